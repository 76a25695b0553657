using MathNet.Numerics.Distributions;

namespace Xwp.Evaluation;

/// <summary>
/// The Wilcoxon signed-rank test of paired differences against a zero median. Zero differences are
/// dropped (Wilcoxon's convention); tied absolute differences get their average rank. The p-value is
/// two-sided: exact (the null distribution of W⁺ counted over all 2ⁿ sign patterns) for at most
/// <see cref="ExactLimit"/> non-zero differences without ties, otherwise from the normal approximation
/// with the tie correction of the variance and a continuity correction of 1/2.
/// </summary>
internal static class WilcoxonSignedRank
{
    /// <summary>The largest number of non-zero differences for which the exact distribution is used.</summary>
    public const int ExactLimit = 25;

    /// <summary>The result: W⁺ (sum of the ranks of positive differences), its expectation under H0, z (NaN when exact), p, and whether p is exact.</summary>
    public readonly record struct Result(int NonZero, double PositiveRankSum, double Expected, double Z, double PValue, bool Exact);

    public static Result Test(IReadOnlyList<double> differences)
    {
        var nonZero = differences.Where(d => d != 0).ToArray();
        var n = nonZero.Length;
        if (n == 0)
        {
            return new Result(0, 0, 0, double.NaN, 1, true);
        }

        var ranks = AverageRanks(nonZero.Select(Math.Abs).ToArray(), out var tieCorrection);
        var positive = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (nonZero[i] > 0)
            {
                positive += ranks[i];
            }
        }

        var expected = n * (n + 1) / 4.0;
        if (n <= ExactLimit && tieCorrection == 0)
        {
            return new Result(n, positive, expected, double.NaN, ExactPValue(n, (int)Math.Round(positive)), true);
        }

        var variance = (n * (n + 1.0) * ((2.0 * n) + 1) / 24.0) - (tieCorrection / 48.0);
        var distance = Math.Max(0, Math.Abs(positive - expected) - 0.5);
        var z = Math.Sign(positive - expected) * distance / Math.Sqrt(variance);
        var p = Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(z)));
        return new Result(n, positive, expected, z, p, false);
    }

    /// <summary>Ranks 1…n of the values, ties sharing their average rank; <paramref name="tieCorrection"/> is Σ (t³ − t) over tie groups.</summary>
    internal static double[] AverageRanks(double[] values, out double tieCorrection)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        tieCorrection = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            var rank = (start + end + 2) / 2.0;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }

            double t = end - start + 1;
            tieCorrection += (t * t * t) - t;
            start = end + 1;
        }

        return ranks;
    }

    /// <summary>Two-sided exact p-value of W⁺ = <paramref name="w"/> with n untied non-zero differences.</summary>
    private static double ExactPValue(int n, int w)
    {
        var maximum = n * (n + 1) / 2;
        var counts = new double[maximum + 1];
        counts[0] = 1;
        for (var rank = 1; rank <= n; rank++)
        {
            for (var sum = maximum; sum >= rank; sum--)
            {
                counts[sum] += counts[sum - rank];
            }
        }

        var total = Math.Pow(2, n);
        var below = counts.Take(w + 1).Sum() / total;
        var above = counts.Skip(w).Sum() / total;
        return Math.Min(1, 2 * Math.Min(below, above));
    }
}
