namespace Xwp.Evaluation;

/// <summary>
/// The Hodges–Lehmann estimate of the centre of paired differences (the median of the Walsh averages
/// (d_i + d_j)/2, i ≤ j) and the distribution-free confidence interval that inverts the Wilcoxon
/// signed-rank test of <see cref="WilcoxonSignedRank"/>: the closure of the set of shifts δ for which
/// the test on d − δ does not reject at α. Zero differences are dropped first, as the test drops them,
/// so the estimate, the interval and the p-value describe the same differences and the interval
/// excludes 0 exactly when p &lt; α. See docs/methods.md#paired-comparisons.
/// </summary>
/// <remarks>
/// W⁺ of the shifted differences equals #{Walsh averages &gt; δ} + ½ #{Walsh averages = δ} (midranks
/// for ties), a non-increasing step function of δ; the test accepts W⁺ in [M − t, t] for the largest
/// accepted t (M = n(n + 1)/2), so the interval is [A_(k), A_(M+1−k)] with k = ⌈M − t⌉ and A_(j) the
/// j-th smallest Walsh average. k ≤ 0 (too few pairs for the test ever to reject) gives (−∞, ∞).
/// Order statistics are found without listing the M averages: a bisection over the doubles counts,
/// in O(n) per step, the pairs whose sum is at most a value, so 10,000 images need no 400 MB array.
/// </remarks>
internal static class HodgesLehmann
{
    /// <summary>The estimate and its interval at level 1 − α.</summary>
    public readonly record struct Result(double Estimate, ConfidenceInterval Interval);

    public static Result Of(IReadOnlyList<double> differences, double alpha)
    {
        var level = 1 - alpha;
        var sorted = differences.Where(d => d != 0).Order().ToArray();
        var n = sorted.Length;
        if (n == 0)
        {
            return new Result(0, new ConfidenceInterval(0, 0, level));
        }

        WilcoxonSignedRank.AverageRanks(sorted.Select(Math.Abs).ToArray(), out var tieCorrection);
        var nullDistribution = WilcoxonSignedRank.NullDistribution.For(n, tieCorrection);
        long m = nullDistribution.Maximum;

        var estimate = m % 2 == 1
            ? WalshSum(sorted, (m + 1) / 2) / 2
            : (WalshSum(sorted, m / 2) + WalshSum(sorted, (m / 2) + 1)) / 4;

        var largestAccepted = LargestAcceptedW(nullDistribution, alpha);
        var k = (long)Math.Ceiling(m - largestAccepted);
        if (k <= 0)
        {
            return new Result(estimate, new ConfidenceInterval(double.NegativeInfinity, double.PositiveInfinity, level));
        }

        var lower = WalshSum(sorted, k) / 2;
        var upper = WalshSum(sorted, m + 1 - k) / 2;

        // The interval is the closure of the accepted shifts. Its ends can be rejected points; that matters
        // only when an end is exactly 0 (possible only when differences tie in size with opposite signs),
        // and then the end is open, so that "0 inside" and "not significant" stay the same statement.
        var rejectedAtZero = WilcoxonSignedRank.Test(sorted).PValue < alpha;
        var interval = new ConfidenceInterval(lower, upper, level)
        {
            LowerOpen = lower == 0 && rejectedAtZero,
            UpperOpen = upper == 0 && rejectedAtZero,
        };
        return new Result(estimate, interval);
    }

    /// <summary>The largest W⁺ ≥ E[W⁺] (a multiple of 1/2) whose two-sided p-value is at least α.</summary>
    private static double LargestAcceptedW(WilcoxonSignedRank.NullDistribution nullDistribution, double alpha)
    {
        var t = nullDistribution.Expected; // p = 1 at the centre
        if (!nullDistribution.Exact)
        {
            // Start near the normal approximation's boundary |t − μ| − ½ = z σ, then step to the exact edge.
            var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (alpha / 2));
            var guess = nullDistribution.Expected + 0.5 + (z * nullDistribution.StandardDeviation);
            t = Math.Max(nullDistribution.Expected, Math.Min(nullDistribution.Maximum, Math.Floor(2 * guess) / 2));
            while (t > nullDistribution.Expected && nullDistribution.PValue(t) < alpha)
            {
                t -= 0.5;
            }
        }

        while (t + 0.5 <= nullDistribution.Maximum && nullDistribution.PValue(t + 0.5) >= alpha)
        {
            t += 0.5;
        }

        return t;
    }

    /// <summary>The <paramref name="k"/>-th smallest (1-based) pairwise sum d_i + d_j, i ≤ j, of ascending values.</summary>
    internal static double WalshSum(double[] sorted, long k)
    {
        var low = sorted[0] + sorted[0];
        if (CountAtMost(sorted, low) >= k)
        {
            return low;
        }

        // Bisection over the doubles in order: Count(a) < k ≤ Count(b); the answer is the smallest such b,
        // which is a pairwise sum because the count only steps up at sums.
        var a = Ordered(low);
        var b = Ordered(sorted[^1] + sorted[^1]);
        while (b > a + 1)
        {
            var middle = (a >> 1) + (b >> 1) + (a & b & 1);
            if (CountAtMost(sorted, FromOrdered(middle)) >= k)
            {
                b = middle;
            }
            else
            {
                a = middle;
            }
        }

        return FromOrdered(b);
    }

    /// <summary>#{i ≤ j : d_i + d_j ≤ s} for ascending d, by two pointers.</summary>
    internal static long CountAtMost(double[] sorted, double s)
    {
        long count = 0;
        var j = sorted.Length - 1;
        for (var i = 0; i < sorted.Length; i++)
        {
            while (j >= i && sorted[i] + sorted[j] > s)
            {
                j--;
            }

            if (j < i)
            {
                break;
            }

            count += j - i + 1;
        }

        return count;
    }

    /// <summary>A long that orders like the double (−0 and +0 both map to 0).</summary>
    private static long Ordered(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        return bits >= 0 ? bits : long.MinValue - bits;
    }

    private static double FromOrdered(long ordered) =>
        BitConverter.Int64BitsToDouble(ordered >= 0 ? ordered : long.MinValue - ordered);
}
