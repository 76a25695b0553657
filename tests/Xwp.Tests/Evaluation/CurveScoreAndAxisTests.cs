using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>
/// Deletion curves of logits and areas over all features, on TinyNets.ThreeTwoTwo (W = [[1, 2, 0], [0, 1, -1]],
/// b = [0, -1], ReLU, identity). Image [1, 2, 1], target 0, map [0.5, 0.9, 0.1]: order 1, 0, 2; the logits after
/// 0..3 removals are [5, 0], [1, 0], [0, 0], [0, 0] (see DeletionAucTests).
/// </summary>
public class CurveScoreAndAxisTests
{
    private static double S(double z) => 1 / (1 + Math.Exp(-z));

    [Theory]
    [InlineData(CurveAlgorithm.Incremental)]
    [InlineData(CurveAlgorithm.Masked)]
    public void Logit_curves_record_the_targets_logit(CurveAlgorithm algorithm)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f }, [1, 3]);

        var result = Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1, Score = CurveScore.Logit, Algorithm = algorithm }).Score(model, x, t, maps);

        result.Curves![0].Select(v => (double)v).Should().Equal([5, 1, 0, 0], (a, b) => Math.Abs(a - b) < 1e-5);
        // Trapezoid over x = k/3: (5/2 + 1 + 0 + 0/2)/3 = 3.5/3.
        result.Values[0].Should().BeApproximately(3.5 / 3, 1e-6);
        result.Settings["curve"].Should().StartWith("target logit");
    }

    [Fact]
    public void Over_all_features_a_truncated_curve_covers_only_the_features_it_removed()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f }, [1, 3]);
        var options = new CurveMetricOptions { FeaturesPerStep = 1, MaxSteps = 2 };

        var run = Metrics.DeletionAuc(options).Score(model, x, t, maps);
        var all = Metrics.DeletionAuc(options with { XAxis = CurveAxis.AllFeatures }).Score(model, x, t, maps);

        // Curve [σ(5), σ(1), 0.5]. Over the steps run, x = 0, 1/2, 1; over all features, x = 0, 1/3, 2/3.
        var trapezoids = ((S(5) + S(1)) / 2) + ((S(1) + 0.5) / 2);
        run.Values[0].Should().BeApproximately(trapezoids / 2, 1e-6);
        all.Values[0].Should().BeApproximately(trapezoids / 3, 1e-6);
        all.CurveFractions.Should().Equal([0, 1.0 / 3, 2.0 / 3], (a, b) => Math.Abs(a - b) < 1e-12);
        all.Settings["curve"].Should().EndWith("x = features removed/features");
    }

    [Fact]
    public void Without_truncation_both_axes_give_the_same_area()
    {
        using var scope = NewDisposeScope();
        using var model = TinyNets.RandomTrained([10, 4, 3], seed: 2);
        var x = TinyNets.SparseInputs(4, 10, seed: 3);
        var maps = rand([4, 10], generator: new Generator(5));
        var t = tensor(new long[] { 0, 1, 2, 0 });
        // 1% of 10 features, rounded half up: the steps remove 0 or 1 feature, so x = k/100 and x = count/10 differ point by point
        // but not for 1 feature per step, where count = k and the last step removes all 10.
        var a = Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1 }).Score(model, x, t, maps);
        var b = Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1, XAxis = CurveAxis.AllFeatures }).Score(model, x, t, maps);
        for (var i = 0; i < 4; i++)
        {
            b.Values[i].Should().BeApproximately(a.Values[i], 1e-12);
        }
    }

    [Fact]
    public void Unknown_score_or_axis_is_rejected_naming_the_option()
    {
        FluentActions.Invoking(() => Metrics.DeletionAuc(new CurveMetricOptions { Score = (CurveScore)7 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Score");
        FluentActions.Invoking(() => Metrics.DeletionAuc(new CurveMetricOptions { XAxis = (CurveAxis)7 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("XAxis");
    }
}
