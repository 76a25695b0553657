using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp.Tests.TestUtils;

/// <summary>Shapley values by brute force over every coalition, for checking the estimators on tiny games.</summary>
internal static class ExactShapley
{
    /// <summary>
    /// φ_g = Σ_{S ⊆ N∖{g}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {g}) − v(S)), with
    /// v(S) = f_t(x′ + 1_S ⊙ (x − x′)) evaluated literally on the masked inputs. Returns one value per
    /// feature (the feature's group's value), in float64.
    /// </summary>
    public static double[] PerFeature(Fcnn model, float[] x, float[] baseline, int[] groupOfFeature, long target, OutputSpace space)
    {
        var m = groupOfFeature.Max() + 1;
        var d = x.Length;
        var count = 1 << m;
        var masked = new float[count * d];
        for (var s = 0; s < count; s++)
        {
            for (var i = 0; i < d; i++)
            {
                masked[(s * d) + i] = ((s >> groupOfFeature[i]) & 1) == 1 ? x[i] : baseline[i];
            }
        }

        double[] v;
        using (var inputs = tensor(masked, [count, d]))
        using (var targets = full(count, target, dtype: int64))
        using (var scores = ModelOutputs.TargetScores(model, inputs, targets, space))
        using (var cpu = scores.to(float64).cpu())
        {
            v = cpu.data<double>().ToArray();
        }

        var factorial = new double[m + 1];
        factorial[0] = 1;
        for (var k = 1; k <= m; k++)
        {
            factorial[k] = factorial[k - 1] * k;
        }

        var phi = new double[m];
        for (var g = 0; g < m; g++)
        {
            for (var s = 0; s < count; s++)
            {
                if (((s >> g) & 1) == 1)
                {
                    continue;
                }

                var size = System.Numerics.BitOperations.PopCount((uint)s);
                phi[g] += factorial[size] * factorial[m - size - 1] / factorial[m] * (v[s | (1 << g)] - v[s]);
            }
        }

        return groupOfFeature.Select(g => phi[g]).ToArray();
    }
}
