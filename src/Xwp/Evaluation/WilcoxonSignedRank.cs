using MathNet.Numerics.Distributions;

namespace Xwp.Evaluation;

/// <summary>
/// The Wilcoxon signed-rank test of paired differences against a zero median. Zero differences are
/// dropped (Wilcoxon's convention); tied absolute differences get their average rank. The p-value is
/// two-sided: exact (the null distribution of W⁺ counted over all 2ⁿ sign patterns) for at most
/// <see cref="ExactLimit"/> non-zero differences without ties, otherwise from the normal approximation
/// with the tie correction of the variance and a continuity correction of 1/2.
/// See docs/methods.md#paired-comparisons.
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

        var nullDistribution = NullDistribution.For(n, tieCorrection);
        return new Result(n, positive, nullDistribution.Expected, nullDistribution.Z(positive), nullDistribution.PValue(positive), nullDistribution.Exact);
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

    /// <summary>
    /// The null distribution of W⁺ for n non-zero differences with the given tie correction Σ (t³ − t):
    /// exact when n ≤ <see cref="ExactLimit"/> and there are no ties, the normal approximation otherwise.
    /// The p-value is a function of W⁺ alone, so the Hodges–Lehmann interval can invert the very same test.
    /// </summary>
    internal sealed class NullDistribution
    {
        private readonly double[]? _lowerTail;
        private readonly double[]? _upperTail;

        private NullDistribution(int n, double tieCorrection)
        {
            N = n;
            Expected = n * (n + 1) / 4.0;
            Exact = n <= ExactLimit && tieCorrection == 0;
            if (Exact)
            {
                // counts[s] = number of subsets of {1..n} whose sum is s (sign patterns with W⁺ = s).
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

                // Both tails summed from their own end, so a tiny upper tail is not 1 minus almost 1.
                var total = Math.Pow(2, n);
                _lowerTail = new double[maximum + 1];
                _upperTail = new double[maximum + 1];
                double below = 0, above = 0;
                for (var s = 0; s <= maximum; s++)
                {
                    below += counts[s];
                    above += counts[maximum - s];
                    _lowerTail[s] = below / total;
                    _upperTail[maximum - s] = above / total;
                }
            }
            else
            {
                StandardDeviation = Math.Sqrt((n * (n + 1.0) * ((2.0 * n) + 1) / 24.0) - (tieCorrection / 48.0));
            }
        }

        /// <summary>Non-zero differences.</summary>
        public int N { get; }

        /// <summary>E[W⁺] = n(n + 1)/4.</summary>
        public double Expected { get; }

        /// <summary>Whether the exact distribution is used.</summary>
        public bool Exact { get; }

        /// <summary>The standard deviation of W⁺ with the tie correction (normal approximation only; 0 when exact).</summary>
        public double StandardDeviation { get; }

        /// <summary>The number of Walsh averages, n(n + 1)/2: the largest value of W⁺.</summary>
        public int Maximum => N * (N + 1) / 2;

        public static NullDistribution For(int n, double tieCorrection) => new(n, tieCorrection);

        /// <summary>The continuity-corrected z of the normal approximation; NaN when exact.</summary>
        public double Z(double w)
        {
            if (Exact)
            {
                return double.NaN;
            }

            var distance = Math.Max(0, Math.Abs(w - Expected) - 0.5);
            return Math.Sign(w - Expected) * distance / StandardDeviation;
        }

        /// <summary>
        /// The two-sided p-value of W⁺ = <paramref name="w"/> (a multiple of 1/2). Exact: twice the smaller
        /// tail, P(W⁺ ≤ w) or P(W⁺ ≥ w), capped at 1. Normal: 2Φ(−|z|).
        /// </summary>
        public double PValue(double w)
        {
            if (!Exact)
            {
                return Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(Z(w))));
            }

            var floor = (int)Math.Floor(w);
            var ceiling = (int)Math.Ceiling(w);
            var below = floor < 0 ? 0 : _lowerTail![Math.Min(floor, Maximum)];
            var above = ceiling > Maximum ? 0 : _upperTail![Math.Max(ceiling, 0)];
            return Math.Min(1, 2 * Math.Min(below, above));
        }
    }
}
