using FluentAssertions;
using Xunit;
using Xwp.Cli.Reproduction;

namespace Xwp.Tests.Cli;

/// <summary>The protocol study's arithmetic: the plateau rules, the distances to the paper, the areas read off a curve.</summary>
public class ProtocolStudyTests
{
    [Fact]
    public void A_curve_settles_where_it_enters_the_band_around_its_final_value_for_good()
    {
        // Range 1.0 − 0.1 = 0.9, band 5%: 0.045 around the final 0.1. Going back from the end: 0.11, 0.1, 0.12 lie
        // within 0.045 of 0.1; 0.3 does not, so the curve has settled from step 3 on. The dip to 0.13 at step 1 and
        // back up does not count: only the last entry into the band does.
        double[] curve = [1.0, 0.6, 0.3, 0.12, 0.1, 0.11, 0.1];
        PlateauRule.SettledStep(curve).Should().Be(3);
        PlateauRule.SettledStep([0.5, 0.13, 0.5, 0.1, 0.1]).Should().Be(3);
        PlateauRule.SettledStep([0.4, 0.4, 0.4]).Should().Be(0, "a flat curve has settled from the start");

        // Over several curves: the first settles at 1, the second at 3.
        PlateauRule.Steps([[1.0, 0.0, 0.0, 0.0], [1.0, 0.7, 0.4, 0.0]], last: false).Should().Be(1);
        PlateauRule.Steps([[1.0, 0.0, 0.0, 0.0], [1.0, 0.7, 0.4, 0.0]], last: true).Should().Be(3);
        PlateauRule.Steps([[0.4, 0.4]], last: true).Should().Be(1, "at least one step is run");
    }

    [Fact]
    public void A_curve_flattens_where_no_window_ahead_falls_by_more_than_the_band()
    {
        // Range 1.0 − 0.0 = 1.0, band 0.05, window 2. Drops over the next 2 steps, from step j:
        //   j=0: 1.0 − 0.5 = 0.5;  j=1: 0.8 − 0.48 = 0.32;  j=2: 0.5 − 0.46 = 0.04;  j=3: 0.48 − 0.44 = 0.04;
        //   j=4: 0.46 − 0.0 = 0.46 (a late cliff);  j=5: 0.44 − 0.0 = 0.44;  j=6: 0.
        // The rule looks for the last stretch that stays flat, so the cliff at the end wins: step 6.
        PlateauRule.FlatStep([1.0, 0.8, 0.5, 0.48, 0.46, 0.44, 0.0], window: 2).Should().Be(6);
        // Without the cliff: range 1.0 − 0.17 = 0.83, band 0.0415. Drops: j=0: 1.0 − 0.2 = 0.8; j=1: 0.6 − 0.19 = 0.41;
        // j=2: 0.2 − 0.18 = 0.02; j=3: 0.19 − 0.17 = 0.02; j=4: 0.01; j=5: 0 -> flat from step 2.
        PlateauRule.FlatStep([1.0, 0.6, 0.2, 0.19, 0.18, 0.17, 0.17], window: 2).Should().Be(2);
        // Over several curves the last to flatten decides: the second is flat from step 1 (its only drop is 1.0 − 0.0 at j=0).
        PlateauRule.FlatSteps([[1.0, 0.6, 0.2, 0.19, 0.18, 0.17, 0.17], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], window: 2).Should().Be(2);
    }

    [Fact]
    public void Rmse_and_spearman_match_hand_computed_values()
    {
        // Differences −0.1 and 0.3: sqrt((0.01 + 0.09)/2) = sqrt(0.05).
        PaperDistance.Rmse([0.5, 0.7], [0.6, 0.4]).Should().BeApproximately(Math.Sqrt(0.05), 1e-12);
        PaperDistance.Rmse([0.1, 0.2, 0.3], [0.1, 0.2, 0.3]).Should().Be(0);

        // Ranks [1, 2, 3] against [1, 3, 2]: Σd² = 0 + 1 + 1 = 2, ρ = 1 − 6·2/(3·(9 − 1)) = 0.5.
        PaperDistance.Spearman([10, 20, 30], [0.1, 0.3, 0.2]).Should().BeApproximately(0.5, 1e-12);
        PaperDistance.Spearman([1, 2, 3, 4], [40, 30, 20, 10]).Should().BeApproximately(-1, 1e-12);
        // Ties take their mean rank: [1, 2, 2] has ranks [1, 2.5, 2.5]; against [1, 2, 3] the Pearson correlation of the ranks is
        // cov = ((−1.5)(−1) + (0.5)(0) + (0.5)(1))/3 = 2/3, sd = sqrt(1.5/3)·sqrt(2/3) -> ρ = (2/3)/sqrt(1/3) = 0.8660.
        PaperDistance.Spearman([1, 2, 2], [1, 2, 3]).Should().BeApproximately(Math.Sqrt(3) / 2, 1e-12);
        FluentActions.Invoking(() => PaperDistance.Rmse([1], [1, 2])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Areas_are_read_off_the_sampled_curve_over_the_steps_run_or_over_all_features()
    {
        // A curve of 4 steps over D = 8 features removing 2 per step: y = [1, 0.5, 0.25, 0.25, 0.25].
        double[] y = [1, 0.5, 0.25, 0.25, 0.25];
        int[] counts = [0, 2, 4, 6, 8];
        // All 4 steps, x = k/4: (0.75 + 0.375 + 0.25 + 0.25)/4 = 0.40625; the same over all features.
        ProtocolStudy.Area(y, counts, 4, CurveAxis.StepsRun, 8).Should().BeApproximately(0.40625, 1e-12);
        ProtocolStudy.Area(y, counts, 4, CurveAxis.AllFeatures, 8).Should().BeApproximately(0.40625, 1e-12);
        // The first 2 steps: over the steps run (0.75 + 0.375)/2 = 0.5625; over all features x ends at 4/8, so half of that.
        ProtocolStudy.Area(y, counts, 2, CurveAxis.StepsRun, 8).Should().BeApproximately(0.5625, 1e-12);
        ProtocolStudy.Area(y, counts, 2, CurveAxis.AllFeatures, 8).Should().BeApproximately(0.28125, 1e-12);
    }

    [Fact]
    public void Deletion_variants_sample_one_single_feature_curve_at_each_schedules_counts()
    {
        // D = 784: a linear mean curve y(n) = 1 − n/784 for two methods (the second constant 0.5).
        var linear = Enumerable.Range(0, 785).Select(n => 1 - (n / 784.0)).ToArray();
        var flat = Enumerable.Repeat(0.5, 785).ToArray();
        var variants = ProtocolStudy.DeletionVariants(RemovalKind.Zero, new Dictionary<CurveScore, double[][]> { [CurveScore.Probability] = [linear, flat] }, 784).ToList();

        // Untruncated, either step size: the area under a straight line from 1 to 0 is 1/2 (the trapezoid rule is exact).
        var all = variants.Where(v => v.Protocol.Truncation.Kind == TruncationKind.All).ToList();
        all.Should().HaveCount(2, "1-feature and 1% steps; over all features adds nothing when nothing is cut");
        all.Should().AllSatisfy(v => v.Auc[0].Should().BeApproximately(0.5, 1e-12));
        // 1% steps, 25 steps: 196 features; the mean height over the run is 1 − 98/784 = 0.875, over all features 0.875·196/784.
        var cut = variants.Where(v => !v.Protocol.SingleFeatureSteps && v.Protocol.Truncation == new Truncation(TruncationKind.Steps, 25)).ToList();
        cut.Single(v => v.Protocol.XAxis == CurveAxis.StepsRun).Auc[0].Should().BeApproximately(0.875, 1e-12);
        cut.Single(v => v.Protocol.XAxis == CurveAxis.AllFeatures).Auc[0].Should().BeApproximately(0.875 * 196 / 784, 1e-12);
        cut.Should().AllSatisfy(v => v.Steps.Should().Be(25));
        // The constant curve settles at once, the line only at its end (the last 5% of its range: 0.05·784 = 39.2 features).
        variants.Single(v => v.Protocol.SingleFeatureSteps && v.Protocol.Truncation.Kind == TruncationKind.PlateauFirst && v.Protocol.XAxis == CurveAxis.StepsRun).Steps.Should().Be(1);
        variants.Single(v => v.Protocol.SingleFeatureSteps && v.Protocol.Truncation.Kind == TruncationKind.PlateauAll && v.Protocol.XAxis == CurveAxis.StepsRun).Steps.Should().Be(784 - 39);
        // 1% steps: 100 steps is everything, so the fixed 100- and 200-step rows are left out.
        variants.Where(v => !v.Protocol.SingleFeatureSteps && v.Protocol.Truncation.Kind == TruncationKind.Steps).Select(v => v.Steps).Distinct()
            .Should().BeEquivalentTo([10, 25, 50]);
    }

    [Fact]
    public void The_presets_describe_their_protocol()
    {
        Protocol.Presets.Keys.Should().BeEquivalentTo(["default", "paper-like"]);
        Protocol.Default.Describe().Should().Contain("1% of the features removed per step").And.Contain("all 100 steps").And.Contain("removal value 0");
        var paperLike = Protocol.PaperLike.Describe();
        paperLike.Should().NotBe(Protocol.Default.Describe());
    }
}
