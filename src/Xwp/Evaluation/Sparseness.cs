using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Sparseness (Chalasani et al., 2020): the Gini index of the absolute attributions,
/// <c>G = Σᵢ (2i − D − 1)·a₍ᵢ₎ / (D·Σ a)</c> with <c>a₍₁₎ ≤ … ≤ a₍D₎</c> the sorted <c>|aᵢ|</c>. 0 when every
/// feature carries the same weight, <c>(D − 1)/D</c> when one feature carries all. Higher is sparser.
/// A map of zeros has no distribution: NaN (excluded).
/// </summary>
internal sealed class Sparseness : EvaluationMetric
{
    public override string Name => "sparseness";

    public override string DisplayName => "Sparseness (Gini)";

    public override MetricDirection Direction => MetricDirection.HigherIsBetter;

    /// <summary>A Gini index lies in [0, 1].</summary>
    internal override (double Lower, double Upper) Range => (0, 1);

    internal override void Check(int features)
    {
    }

    internal override IReadOnlyDictionary<string, string> Settings(int features) => new Dictionary<string, string>
    {
        ["of"] = "|attribution|",
    };

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        using var noGrad = no_grad();
        var a = batch.Maps.to(float64).abs().sort(dim: 1).Values;
        var d = a.shape[1];
        var weights = arange(1, d + 1, dtype: float64, device: a.device).mul(2).sub(d + 1);
        var total = a.sum(1);
        var gini = a.mul(weights).sum(1).div(total.mul(d));
        return new MetricBatchScores(where(total.gt(0), gini, full_like(gini, double.NaN)), null);
    }
}
