using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Average Drop, removal variant — the paper's: the top fraction of features (by attribution) is set
/// to the removal value, and the value is <c>max(0, Y − O) / Y</c>. Higher is better: removing what a
/// faithful map marks as important costs the model confidence.
/// </summary>
internal sealed class AverageDrop(AverageDropOptions options) : EvaluationMetric
{
    public AverageDropOptions Options { get; } = options;

    public override string Name => "average_drop";

    public override string DisplayName => "Average Drop (removal)";

    public override MetricDirection Direction => MetricDirection.HigherIsBetter;

    /// <summary>max(0, Y − O) / Y with Y > 0 is never negative (above 1 only when a raw single output turns negative).</summary>
    internal override (double Lower, double Upper) Range => (0, double.PositiveInfinity);

    internal override void Check(int features) => Options.RemovalValue.Check(features, nameof(AverageDropOptions.RemovalValue));

    internal override IReadOnlyDictionary<string, string> Settings(int features) => new Dictionary<string, string>
    {
        ["fraction"] = Options.Fraction.ToString("R", CultureInfo.InvariantCulture),
        ["features_removed"] = CurvePlan.RoundHalfUp(Options.Fraction, features).ToString(CultureInfo.InvariantCulture),
        ["removal_value"] = Options.RemovalValue.ToString(),
        ["minimum_target_probability"] = Options.MinimumTargetProbability.ToString("R", CultureInfo.InvariantCulture),
    };

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        using var noGrad = no_grad();
        var features = (int)batch.Inputs.shape[1];
        var removal = Options.RemovalValue.For(batch.Inputs).expand_as(batch.Inputs);
        var removed = Ranking.Top(batch.Maps, CurvePlan.RoundHalfUp(Options.Fraction, features));
        var masked = where(removed, removal, batch.Inputs);
        var (y, o) = ConfidenceDrop.TargetProbabilities(batch, masked);
        return new MetricBatchScores(ConfidenceDrop.Relative(y, o, Options.MinimumTargetProbability), null);
    }
}
