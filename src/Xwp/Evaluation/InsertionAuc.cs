namespace Xwp.Evaluation;

/// <summary>
/// Insertion AUC (Petsiuk et al., 2018): starting from an input made entirely of the removal value,
/// features enter in decreasing order of attribution; the area under the target-probability curve.
/// Higher is better: a faithful map makes the probability rise fast.
/// </summary>
internal sealed class InsertionAuc(CurveMetricOptions options) : CurveMetric(options, CurveKind.Insertion)
{
    public override string Name => "insertion_auc";

    public override string DisplayName => "Insertion AUC";

    public override MetricDirection Direction => MetricDirection.HigherIsBetter;
}
