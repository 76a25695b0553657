namespace Xwp;

/// <summary>How the x axis of a Deletion or Insertion curve is scaled before its area is taken.</summary>
public enum CurveAxis
{
    /// <summary>
    /// The default: x = k/S over the S steps actually run, so the area is the mean height of the curve over
    /// the steps run, whatever <see cref="CurveMetricOptions.MaxSteps"/> cut off.
    /// </summary>
    StepsRun,

    /// <summary>
    /// x = (features removed after step k)/D, the fraction of all features: a curve truncated after S steps
    /// covers only [0, features removed/D], and its area shrinks with it.
    /// </summary>
    AllFeatures,
}
