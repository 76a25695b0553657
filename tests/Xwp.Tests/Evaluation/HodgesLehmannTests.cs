using FluentAssertions;
using Xunit;
using Xwp.Evaluation;

namespace Xwp.Tests.Evaluation;

public class HodgesLehmannTests
{
    [Fact]
    public void Estimate_and_interval_of_a_small_sample_match_the_hand_computation()
    {
        // d = −2, 1, 3, 4, 6, 7, 9, 12 (n = 8, no ties in |d|: exact distribution). Walsh averages (d_i + d_j)/2, i ≤ j,
        // row by row:
        //   −2: −2, −0.5, 0.5, 1, 2, 2.5, 3.5, 5      1: 1, 2, 2.5, 3.5, 4, 5, 6.5      3: 3, 3.5, 4.5, 5, 6, 7.5
        //    4: 4, 5, 5.5, 6.5, 8                     6: 6, 6.5, 7.5, 9                 7: 7, 8, 9.5
        //    9: 9, 10.5                              12: 12
        // Sorted (M = 36): −2, −0.5, 0.5, 1, 1, 2, 2, 2.5, 2.5, 3, 3.5, 3.5, 3.5, 4, 4, 4.5, 5, 5, 5, 5, 5.5, 6, 6, 6.5,
        //                  6.5, 6.5, 7, 7.5, 7.5, 8, 8, 9, 9, 9.5, 10.5, 12.
        // Estimate: M even, mean of the 18th and 19th = (5 + 5)/2 = 5.
        // Exact null of W⁺ for n = 8 (256 sign patterns): #{W⁺ ≤ 3} = 5 ({}, {1}, {2}, {3}, {1,2}), #{W⁺ ≤ 4} = 7.
        // Two-sided p(3) = 10/256 = 0.039 < 0.05 (rejected), p(4) = 14/256 = 0.055 (accepted): W⁺ ∈ [4, 32] is accepted,
        // so k = 36 − 32 = 4 and the interval is [A_(4), A_(33)] = [1, 9].
        // The test: ranks of |d| are 2 for −2 and 1, 3..8 for the rest; W⁺ = 36 − 2 = 34, p = 2·P(W⁺ ≤ 2) = 2·3/256.
        var result = HodgesLehmann.Of([-2, 1, 3, 4, 6, 7, 9, 12], 0.05);
        result.Estimate.Should().Be(5);
        result.Interval.Should().Be(new ConfidenceInterval(1, 9, 0.95));
        var test = WilcoxonSignedRank.Test([-2, 1, 3, 4, 6, 7, 9, 12]);
        test.PValue.Should().BeApproximately(6.0 / 256, 1e-15);
        result.Interval.Contains(0).Should().BeFalse("p = 0.023 < 0.05");
    }

    [Fact]
    public void Too_few_pairs_give_an_unbounded_interval()
    {
        // n = 5: the smallest two-sided p is 2/32 = 0.0625 ≥ 0.05, so no shift is ever rejected.
        var result = HodgesLehmann.Of([1, 2, 3, 4, 5], 0.05);
        result.Estimate.Should().Be(3);
        result.Interval.Lower.Should().Be(double.NegativeInfinity);
        result.Interval.Upper.Should().Be(double.PositiveInfinity);
        result.Interval.ToString().Should().Be("(−∞, ∞)");
    }

    [Fact]
    public void Zero_differences_are_dropped_and_all_zero_gives_zero()
    {
        HodgesLehmann.Of([0, -2, 1, 3, 0, 4, 6, 7, 9, 12], 0.05).Should().Be(HodgesLehmann.Of([-2, 1, 3, 4, 6, 7, 9, 12], 0.05));
        HodgesLehmann.Of([0, 0, 0], 0.05).Should().Be(new HodgesLehmann.Result(0, new ConfidenceInterval(0, 0, 0.95)));
    }

    [Fact]
    public void A_bound_at_exactly_zero_is_open_when_the_test_rejects_zero()
    {
        // Nine +1 and one −1 (0/1 values such as Increase in Confidence). Walsh averages: 45 of +1, 1 of −1, 9 of 0 (M = 55).
        // All |d| tie: σ² = 10·11·21/24 − (1000 − 10)/48 = 96.25 − 20.625 = 75.625; W⁺ = 45 + 9/2 = 49.5, μ = 27.5,
        // z = (22 − 0.5)/√75.625 = 2.4724, p = 0.0134: significant. Shifts just above 0 have W⁺ = 45 (accepted),
        // so the interval's lower end is 0 itself — open, because 0 is rejected.
        double[] d = [1, 1, 1, 1, 1, 1, 1, 1, 1, -1];
        var test = WilcoxonSignedRank.Test(d);
        test.PositiveRankSum.Should().Be(49.5);
        test.PValue.Should().BeApproximately(0.0134, 1e-4);
        var result = HodgesLehmann.Of(d, 0.05);
        result.Estimate.Should().Be(1);
        result.Interval.Lower.Should().Be(0);
        result.Interval.Upper.Should().Be(1);
        result.Interval.LowerOpen.Should().BeTrue();
        result.Interval.Contains(0).Should().BeFalse();
        result.Interval.ToString().Should().Be("(0.0000, 1.0000]");
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.01)]
    [InlineData(0.2)]
    public void The_interval_excludes_zero_exactly_when_the_test_is_significant(double alpha)
    {
        // Continuous samples (exact and normal regimes), and coarse ones with ties and zeros, shifted so that
        // both verdicts occur often. A t-interval of the mean beside the Wilcoxon p fails this on such samples.
        var random = new Random(20240611);
        int significant = 0, notSignificant = 0;
        for (var trial = 0; trial < 600; trial++)
        {
            var n = 1 + random.Next(60);
            var coarse = trial % 3 == 0;
            var shift = (random.NextDouble() - 0.3) * 1.5;
            var d = Enumerable.Range(0, n).Select(_ =>
            {
                var v = shift + Gaussian(random);
                return coarse ? Math.Round(v * 2) / 2 : v;
            }).ToArray();

            var p = WilcoxonSignedRank.Test(d).PValue;
            var result = HodgesLehmann.Of(d, alpha);
            result.Interval.Contains(0).Should().Be(p >= alpha, $"trial {trial}: n = {n}, p = {p}, interval {result.Interval}");
            if (double.IsFinite(result.Interval.Lower))
            {
                result.Interval.Contains(result.Estimate).Should().BeTrue($"trial {trial}: the estimate lies in its interval");
            }

            _ = p < alpha ? significant++ : notSignificant++;
        }

        significant.Should().BeGreaterThan(100);
        notSignificant.Should().BeGreaterThan(100);
    }

    [Fact]
    public void Walsh_order_statistics_equal_the_sorted_list_of_all_averages()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            var n = 1 + random.Next(40);
            var d = Enumerable.Range(0, n).Select(_ => Math.Round(Gaussian(random) * 4) / 4).Order().ToArray();
            var all = new List<double>();
            for (var i = 0; i < n; i++)
            {
                for (var j = i; j < n; j++)
                {
                    all.Add(d[i] + d[j]);
                }
            }

            all.Sort();
            for (var k = 1; k <= all.Count; k++)
            {
                HodgesLehmann.WalshSum(d, k).Should().Be(all[k - 1], $"trial {trial}, k = {k}");
            }
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
