namespace Xwp.Evaluation;

/// <summary>
/// Deletion AUC (Petsiuk et al., 2018): features leave the input in decreasing order of attribution;
/// the area under the target-probability curve. Lower is better: a faithful map makes the probability fall fast.
/// </summary>
internal sealed class DeletionAuc(CurveMetricOptions options) : CurveMetric(options, CurveKind.Deletion)
{
    public override string Name => "deletion_auc";

    public override string DisplayName => "Deletion AUC";

    public override MetricDirection Direction => MetricDirection.LowerIsBetter;
}
