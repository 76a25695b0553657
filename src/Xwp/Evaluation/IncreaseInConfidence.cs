using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Increase in Confidence (Chattopadhyay et al., 2018): 1 for an image whose target probability rises
/// when only the explanation is kept (O &gt; Y, strictly), else 0; the mean is the fraction of such
/// images. Higher is better.
/// </summary>
internal sealed class IncreaseInConfidence(GradCamPlusPlusOptions options) : EvaluationMetric
{
    public GradCamPlusPlusOptions Options { get; } = options;

    public override string Name => "increase_in_confidence";

    public override string DisplayName => "Increase in Confidence";

    public override MetricDirection Direction => MetricDirection.HigherIsBetter;

    /// <summary>Every image scores 0 or 1.</summary>
    internal override (double Lower, double Upper) Range => (0, 1);

    internal override void Check(int features) => Options.RemovalValue.Check(features, nameof(GradCamPlusPlusOptions.RemovalValue));

    internal override IReadOnlyDictionary<string, string> Settings(int features) => ExplanationMask.Describe(Options, averageDrop: false);

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        using var noGrad = no_grad();
        var kept = ExplanationMask.Apply(batch.Inputs, batch.Maps, Options);
        var (y, o) = ConfidenceDrop.TargetProbabilities(batch, kept);
        return new MetricBatchScores(o.gt(y).to(float64), null);
    }
}
