using FluentAssertions;
using Xunit;
using Xwp.Evaluation;

namespace Xwp.Tests.Evaluation;

public class PairedComparisonTests
{
    [Fact]
    public void Exact_signed_rank_p_value_of_a_small_sample()
    {
        // Differences 1, -2, 3, 4, 5: ranks 1..5, W+ = 1 + 3 + 4 + 5 = 13. Under H0 each of the 2^5 = 32 sign
        // patterns is equally likely; W+ ≥ 13 means the negative ranks sum to ≤ 2: {}, {1}, {2} -> 3/32.
        // Two-sided p = 6/32 = 0.1875.
        var r = WilcoxonSignedRank.Test([1, -2, 3, 4, 5]);
        r.Exact.Should().BeTrue();
        r.PositiveRankSum.Should().Be(13);
        r.Expected.Should().Be(7.5);
        r.PValue.Should().BeApproximately(0.1875, 1e-12);
    }

    [Fact]
    public void Normal_approximation_with_ties_matches_the_hand_computation()
    {
        // |d| = 1,1,1,2,2,2,3,4 -> ranks 2,2,2,5,5,5,7,8. Positives: 1, 1, 2, 2, 2, 4 -> W+ = 2+2+5+5+5+8 = 27.
        // μ = 8·9/4 = 18; σ² = 8·9·17/24 − Σ(t³−t)/48 = 51 − (24+24)/48 = 50; z = (27 − 18 − 0.5)/√50 = 1.20208.
        // p = 2(1 − Φ(1.20208)) = 2(1 − 0.88533) = 0.22934.
        var r = WilcoxonSignedRank.Test([1, 1, -1, 2, 2, 2, -3, 4]);
        r.Exact.Should().BeFalse();
        r.PositiveRankSum.Should().Be(27);
        r.Z.Should().BeApproximately(8.5 / Math.Sqrt(50), 1e-12);
        r.PValue.Should().BeApproximately(0.22934, 2e-4);
    }

    [Fact]
    public void Zero_differences_are_dropped_and_all_zero_means_no_difference()
    {
        WilcoxonSignedRank.Test([0, 0, 1, -2, 3, 4, 5]).Should().Be(WilcoxonSignedRank.Test([1, -2, 3, 4, 5]));
        var none = WilcoxonSignedRank.Test([0, 0, 0]);
        none.NonZero.Should().Be(0);
        none.PValue.Should().Be(1);
    }

    [Fact]
    public void A_consistent_difference_is_significant_and_the_better_method_follows_the_direction()
    {
        // B is A plus 0.01·(i+1) on 20 images: every difference A − B is negative, W+ = 0, exact p = 2/2^20.
        var a = Enumerable.Range(0, 20).Select(i => 0.3 + (0.01 * (i % 7))).ToArray();
        var b = a.Select((v, i) => v + (0.01 * (i + 1))).ToArray();
        var lower = Results(Metrics.DeletionAuc(), a, b);
        var comparison = PairedComparison.Of(lower.A, lower.B);

        comparison.Pairs.Should().Be(20);
        comparison.SignedRankStatistic.Should().Be(0);
        comparison.ExactPValue.Should().BeTrue();
        comparison.PValue.Should().BeApproximately(2 / Math.Pow(2, 20), 1e-15);
        comparison.IsSignificant.Should().BeTrue();
        comparison.MeanDifference.Should().BeApproximately(-0.105, 1e-12); // −0.01 · mean(1..20)
        // The differences −0.01·(1..20) are symmetric about −0.105, so are their Walsh averages: the median is −0.105.
        comparison.HodgesLehmannEstimate.Should().BeApproximately(-0.105, 1e-12);
        comparison.HodgesLehmannInterval.Upper.Should().BeLessThan(0);
        comparison.HodgesLehmannInterval.Level.Should().Be(0.95);
        comparison.Better.Should().Be("a"); // lower Deletion AUC is better
        comparison.ToString().Should().Contain("a is better");

        var higher = Results(Metrics.AverageDrop(), a, b);
        PairedComparison.Of(higher.A, higher.B).Better.Should().Be("b"); // higher Average Drop is better
    }

    [Fact]
    public void Symmetric_noise_is_not_significant()
    {
        var a = Enumerable.Range(0, 40).Select(i => 0.5 + (i % 2 == 0 ? 0.01 : -0.01) * (i % 5)).ToArray();
        var b = Enumerable.Repeat(0.5, 40).ToArray();
        var (ra, rb) = Results(Metrics.DeletionAuc(), a, b);
        var comparison = PairedComparison.Of(ra, rb);
        comparison.IsSignificant.Should().BeFalse();
        comparison.Better.Should().BeNull();
    }

    [Fact]
    public void Excluded_images_are_left_out_of_the_pairs()
    {
        var (ra, rb) = Results(Metrics.AverageDrop(), [0.5, double.NaN, 0.2, 0.4], [0.1, 0.3, double.NaN, 0.1]);
        PairedComparison.Of(ra, rb).Pairs.Should().Be(2);
    }

    [Fact]
    public void Different_metrics_or_image_counts_cannot_be_compared()
    {
        var (ra, _) = Results(Metrics.AverageDrop(), [0.5, 0.2], [0.1, 0.3]);
        var (_, rb) = Results(Metrics.DeletionAuc(), [0.5, 0.2], [0.1, 0.3]);
        var (_, rc) = Results(Metrics.AverageDrop(), [0.5], [0.1]);
        ((Action)(() => PairedComparison.Of(ra, rb))).Should().Throw<ArgumentException>().WithMessage("*average_drop*deletion_auc*");
        ((Action)(() => PairedComparison.Of(ra, rc))).Should().Throw<ArgumentException>().WithMessage("*2 and 1 images*");
    }

    private static (MetricResult A, MetricResult B) Results(EvaluationMetric metric, double[] a, double[] b) =>
        (MetricResult.Create("a", metric, 784, a, null, 0.95), MetricResult.Create("b", metric, 784, b, null, 0.95));
}
