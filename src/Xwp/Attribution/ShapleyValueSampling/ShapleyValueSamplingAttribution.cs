using Xwp.Attribution.Shapley;
using static TorchSharp.torch;

namespace Xwp.Attribution.ShapleyValueSampling;

/// <summary>
/// Shapley value sampling: for each random order of the players, player k's marginal contribution is
/// <c>v(players before k, and k) − v(players before k)</c>; its value is the mean over orders. Along one
/// order the contributions telescope to <c>v(all) − v(∅)</c>, so efficiency holds for every sample.
/// The orders' prefixes are evaluated in batched passes (<see cref="CoalitionGame.PrefixValues"/>).
/// </summary>
internal sealed class ShapleyValueSamplingAttribution(ShapleyValueSamplingOptions options) : AttributionMethod
{
    public ShapleyValueSamplingOptions Options { get; } = options;

    public override string Name => "svs";

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        var settings = new ShapleySettings(Options.Baseline, Options.FeatureMask, Options.OutputSpace, Options.MemoryBudgetBytes);
        return ShapleyRows.Attribute(batch, settings, Estimate);
    }

    /// <summary>The orders of one row: int64 <c>[Samples, m]</c> on the CPU.</summary>
    internal static Tensor Orders(int m, int samples, bool antithetic, Generator generator)
    {
        using (generator)
        {
            var drawn = antithetic ? (samples + 1) / 2 : samples;
            var permutations = rand([drawn, m], dtype: float64, generator: generator).argsort(1);
            return antithetic
                ? stack([permutations, permutations.flip(1)], 1).view(2L * drawn, m).narrow(0, 0, samples)
                : permutations;
        }
    }

    private Tensor Estimate(CoalitionGame game, long row)
    {
        var m = game.PlayerCount;

        // Per permutation and player: the float64 keys, the int64 orders, the float64 prefix values, path,
        // marginal contributions and their scattered copy, all held at once.
        WorkingMemory.Require(
            (double)Options.Samples * m * 48,
            nameof(ShapleyValueSamplingOptions.Samples),
            Options.Samples,
            $"Shapley value sampling's {Options.Samples} permutations of {m} players",
            "use fewer samples (the default is 25)");
        var orders = Orders(m, Options.Samples, Options.Antithetic, Seeding.ForRow(Options.Seed, row)).to(game.Device);
        var samples = orders.shape[0];
        var inner = game.PrefixValues(orders);
        var path = cat(
            [full(samples, 1, game.Empty, dtype: float64, device: game.Device), inner, full(samples, 1, game.Full, dtype: float64, device: game.Device)],
            1);
        var marginal = path.narrow(1, 1, m).sub(path.narrow(1, 0, m));
        return zeros(samples, m, dtype: float64, device: game.Device).scatter_(1, orders, marginal).mean([0]);
    }
}
