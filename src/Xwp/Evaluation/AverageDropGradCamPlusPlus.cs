using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Average Drop, Grad-CAM++ variant (Chattopadhyay et al., 2018): only the explanation is kept
/// (<see cref="ExplanationMask"/>) and the value is <c>max(0, Y − O) / Y</c>. Lower is better: the
/// explanation alone should keep the model confident. The opposite direction of the removal variant.
/// </summary>
internal sealed class AverageDropGradCamPlusPlus(GradCamPlusPlusOptions options) : EvaluationMetric
{
    public GradCamPlusPlusOptions Options { get; } = options;

    public override string Name => "average_drop_gradcampp";

    public override string DisplayName => "Average Drop (Grad-CAM++)";

    public override MetricDirection Direction => MetricDirection.LowerIsBetter;

    /// <summary>max(0, Y − O) / Y with Y > 0 is never negative (above 1 only when a raw single output turns negative).</summary>
    internal override (double Lower, double Upper) Range => (0, double.PositiveInfinity);

    internal override void Check(int features) => Options.RemovalValue.Check(features, nameof(GradCamPlusPlusOptions.RemovalValue));

    internal override IReadOnlyDictionary<string, string> Settings(int features) => ExplanationMask.Describe(Options, averageDrop: true);

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        using var noGrad = no_grad();
        var kept = ExplanationMask.Apply(batch.Inputs, batch.Maps, Options);
        var (y, o) = ConfidenceDrop.TargetProbabilities(batch, kept);
        return new MetricBatchScores(ConfidenceDrop.Relative(y, o, Options.MinimumTargetProbability), null);
    }
}
