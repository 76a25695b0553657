using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Complexity (Bhatt et al., 2020): the Shannon entropy (natural log) of the fractional contributions
/// <c>pᵢ = |aᵢ| / Σⱼ |aⱼ|</c>, <c>H = −Σᵢ pᵢ ln pᵢ</c> with <c>0·ln 0 = 0</c>. 0 when one feature carries everything,
/// <c>ln D</c> when all carry the same. Lower is simpler. A map of zeros has no distribution: NaN (excluded).
/// </summary>
internal sealed class Complexity : EvaluationMetric
{
    public override string Name => "complexity";

    public override string DisplayName => "Complexity (entropy)";

    public override MetricDirection Direction => MetricDirection.LowerIsBetter;

    /// <summary>An entropy is never negative.</summary>
    internal override (double Lower, double Upper) Range => (0, double.PositiveInfinity);

    internal override void Check(int features)
    {
    }

    internal override IReadOnlyDictionary<string, string> Settings(int features) => new Dictionary<string, string>
    {
        ["of"] = "|attribution| / sum |attribution|",
        ["log"] = "natural",
    };

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        using var noGrad = no_grad();
        var a = batch.Maps.to(float64).abs();
        var total = a.sum(1, keepdim: true);
        var p = a.div(where(total.gt(0), total, ones_like(total)));
        var terms = where(p.gt(0), p.mul(p.log()), zeros_like(p));
        var entropy = terms.sum(1).neg();
        return new MetricBatchScores(where(total.squeeze(1).gt(0), entropy, full_like(entropy, double.NaN)), null);
    }
}
