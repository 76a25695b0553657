namespace Xwp;

/// <summary>Which way a metric improves. Every report prints it next to the metric's name (↑ or ↓).</summary>
public enum MetricDirection
{
    /// <summary>Larger values mean a better explanation (↑), e.g. Average Drop (removal) and Insertion AUC.</summary>
    HigherIsBetter,

    /// <summary>Smaller values mean a better explanation (↓), e.g. Deletion AUC and Average Drop (Grad-CAM++).</summary>
    LowerIsBetter,
}
