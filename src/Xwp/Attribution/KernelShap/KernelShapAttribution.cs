using MathNet.Numerics;
using Xwp.Attribution.Shapley;
using static TorchSharp.torch;

namespace Xwp.Attribution.KernelShap;

/// <summary>
/// KernelSHAP (Lundberg &amp; Lee, 2017). The Shapley kernel gives a coalition z of size s among M
/// players the weight <c>π(s) = (M − 1) / (C(M, s) · s · (M − s))</c>; the empty and full coalitions
/// get infinite weight, i.e. they become the constraints <c>φ₀ = v(∅)</c> and <c>Σφ = v(all) − v(∅)</c>.
/// With every coalition the regression's solution is exactly the Shapley values.
/// </summary>
/// <remarks>
/// Sampling: a size s is drawn with probability proportional to its total kernel weight
/// <c>C(M, s)·π(s) ∝ 1 / (s (M − s))</c>, then a uniformly random set of that size; each draw is
/// paired with its complement (same probability, and it halves the variance of the symmetric
/// part). Drawn coalitions then all carry the same regression weight, since the sampling already
/// follows the kernel. See <see cref="KernelShapSolver"/> for the constrained solve.
/// </remarks>
internal sealed class KernelShapAttribution(KernelShapOptions options) : AttributionMethod
{
    public KernelShapOptions Options { get; } = options;

    public override string Name => "kernelshap";

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        var settings = new ShapleySettings(Options.Baseline, Options.FeatureMask, Options.OutputSpace, Options.MemoryBudgetBytes);
        return ShapleyRows.Attribute(batch, settings, Estimate);
    }

    /// <summary>The default coalition count for M players (the <c>shap</c> package's rule).</summary>
    internal static long DefaultSamples(int players) => (2L * players) + 2048;

    private Tensor Estimate(CoalitionGame game, long row)
    {
        var m = game.PlayerCount;
        var total = Options.Samples ?? DefaultSamples(m);
        var device = game.Device;
        var exact = m < 62 && (1L << m) <= total;

        // Per coalition and player: the float64 sort keys, two int64 argsorts, the bool choice and its
        // complement and the float32 design matrix, all held at once.
        WorkingMemory.Require(
            (exact ? (double)(1L << m) : total) * m * 30,
            nameof(KernelShapOptions.Samples),
            total,
            $"KernelSHAP's {total} coalitions of {m} players",
            "use fewer samples (the default is 2·players + 2048)");
        var (coalitions, weights) = exact
            ? AllCoalitions(m)
            : SampledCoalitions(m, total - 2, Seeding.ForRow(Options.Seed, row));
        var z = coalitions.to(device);
        var values = game.Values(z).sub_(game.Empty);
        return KernelShapSolver.Solve(Options.Solver, z, weights.to(device), values, game.Full - game.Empty);
    }

    /// <summary>Every coalition except the empty and the full one, with its Shapley-kernel weight.</summary>
    internal static (Tensor Coalitions, Tensor Weights) AllCoalitions(int m)
    {
        var count = (1 << m) - 2;
        var z = new float[count * m];
        var w = new double[count];
        for (var mask = 1; mask <= count; mask++)
        {
            var size = 0;
            for (var j = 0; j < m; j++)
            {
                if (((mask >> j) & 1) == 1)
                {
                    z[((mask - 1) * m) + j] = 1;
                    size++;
                }
            }

            w[mask - 1] = (m - 1) / (SpecialFunctions.Binomial(m, size) * size * (m - size));
        }

        return (tensor(z, [count, m]), tensor(w, float64));
    }

    /// <summary><paramref name="count"/> coalitions drawn from the Shapley kernel, in complementary pairs, all of weight 1.</summary>
    internal static (Tensor Coalitions, Tensor Weights) SampledCoalitions(int m, long count, Generator generator)
    {
        using (generator)
        {
            var sizeWeights = new double[m - 1];
            for (var s = 1; s < m; s++)
            {
                sizeWeights[s - 1] = 1.0 / ((double)s * (m - s));
            }

            var pairs = (count + 1) / 2;
            var sizes = multinomial(tensor(sizeWeights, float64), pairs, replacement: true, generator: generator).add_(1);
            var keys = rand([pairs, m], dtype: float64, generator: generator);
            var rank = keys.argsort(1).argsort(1);
            var chosen = rank.lt(sizes.unsqueeze(1));
            var both = stack([chosen, chosen.logical_not()], 1).view(2 * pairs, m).narrow(0, 0, count);
            return (both.to(float32), ones(count, dtype: float64));
        }
    }
}
