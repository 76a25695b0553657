using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>
/// Hand-computed Average Drops on TinyNets.ThreeTwoTwo (W = [[1, 2, 0], [0, 1, -1]], b = [0, -1], ReLU,
/// identity): p_t = σ(l_t − l_other). Image [1, 2, 1] has logits [5, 0].
/// </summary>
public class AverageDropTests
{
    private static double S(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void Removal_variant_removes_the_top_fraction_and_clamps_rises_to_zero()
    {
        using var model = TinyNets.ThreeTwoTwo();
        // Both rows: image [1, 2, 1], map [0.5, 0.9, 0.1]; fraction 0.34 -> round_half_up(1.02) = 1 feature: feature 1.
        // Masked [1, 0, 1]: h = [1, -2] -> [1, 0].
        //   target 0: Y = σ(5), O = σ(1): (σ(5) − σ(1)) / σ(5)
        //   target 1: Y = σ(-5), O = σ(-1) > Y: max(0, Y − O) = 0 (without the clamp it would be negative)
        using var x = tensor(new float[] { 1, 2, 1, 1, 2, 1 }, [2, 3]);
        using var t = tensor(new long[] { 0, 1 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f, 0.5f, 0.9f, 0.1f }, [2, 3]);

        var result = Metrics.AverageDrop(new AverageDropOptions { Fraction = 0.34 }).Score(model, x, t, maps);

        result.Metric.Should().Be("average_drop");
        result.Direction.Should().Be(MetricDirection.HigherIsBetter);
        result.Values[0].Should().BeApproximately((S(5) - S(1)) / S(5), 1e-6);
        result.Values[1].Should().Be(0);
        result.Mean.Should().BeApproximately((S(5) - S(1)) / S(5) / 2, 1e-6);
        result.Settings["features_removed"].Should().Be("1");
    }

    [Fact]
    public void Default_fraction_removes_round_half_up_of_a_fifth()
    {
        using var model = TinyNets.ThreeTwoTwo();
        // 0.2 · 3 = 0.6 -> 1 feature; fraction 0.5: 1.5 -> 2 features (1 then 0): [0, 0, 1] -> [0, 0] -> O = 0.5.
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f }, [1, 3]);

        Metrics.AverageDrop().Score(model, x, t, maps).Values[0].Should().BeApproximately((S(5) - S(1)) / S(5), 1e-6);
        Metrics.AverageDrop(new AverageDropOptions { Fraction = 0.5 }).Score(model, x, t, maps).Values[0]
            .Should().BeApproximately((S(5) - 0.5) / S(5), 1e-6);
        Metrics.AverageDrop().Settings(784)["features_removed"].Should().Be("157");
    }

    [Fact]
    public void Images_whose_target_probability_underflows_are_excluded_and_counted()
    {
        using var model = TinyNets.ThreeTwoTwo();
        // Row 0: [200, 0, 0], target 1: logits [200, 0], Y = σ(-200) = 0 in float32 -> excluded (NaN).
        // Row 1: [1, 2, 1], target 0: as above, (σ(5) − σ(1)) / σ(5).
        using var x = tensor(new float[] { 200, 0, 0, 1, 2, 1 }, [2, 3]);
        using var t = tensor(new long[] { 1, 0 });
        using var maps = tensor(new float[] { 1, 0, 0, 0.5f, 0.9f, 0.1f }, [2, 3]);

        var result = Metrics.AverageDrop().Score(model, x, t, maps);

        double.IsNaN(result.Values[0]).Should().BeTrue();
        result.Excluded.Should().Be(1);
        result.Statistics.Count.Should().Be(1);
        result.Mean.Should().BeApproximately((S(5) - S(1)) / S(5), 1e-6);

        // A tiny but positive Y is excluded too when it is below the minimum: row 0 of a 20-pixel-wide input.
        using var x2 = tensor(new float[] { 20, 0, 0 }, [1, 3]);
        using var t2 = tensor(new long[] { 1 });
        using var m2 = tensor(new float[] { 1, 0, 0 }, [1, 3]);
        // Y = σ(-20) ≈ 2.1e-9: scored with the default minimum 1e-12, excluded with 1e-6.
        Metrics.AverageDrop().Score(model, x2, t2, m2).Excluded.Should().Be(0);
        Metrics.AverageDrop(new AverageDropOptions { MinimumTargetProbability = 1e-6 }).Score(model, x2, t2, m2).Excluded.Should().Be(1);
    }

    [Fact]
    public void GradCamPlusPlus_variant_keeps_the_input_times_the_scaled_map()
    {
        using var model = TinyNets.ThreeTwoTwo();
        // Map [2, 1, -1] -> max(a, 0)/max = [1, 0.5, 0]; kept input [1, 1, 0]: h = [1+2, 1-1] = [3, 0] -> [3, 0].
        //   target 0: Y = σ(5), O = σ(3) -> (σ(5) − σ(3)) / σ(5); confidence does not rise -> IC 0
        //   target 1: Y = σ(-5), O = σ(-3) > Y -> AD 0 (clamped); confidence rises -> IC 1
        using var x = tensor(new float[] { 1, 2, 1, 1, 2, 1 }, [2, 3]);
        using var t = tensor(new long[] { 0, 1 });
        using var maps = tensor(new float[] { 2, 1, -1, 2, 1, -1 }, [2, 3]);

        var ad = Metrics.AverageDropGradCamPlusPlus().Score(model, x, t, maps);
        var ic = Metrics.IncreaseInConfidence().Score(model, x, t, maps);

        ad.Metric.Should().Be("average_drop_gradcampp");
        ad.Direction.Should().Be(MetricDirection.LowerIsBetter);
        ad.Values[0].Should().BeApproximately((S(5) - S(3)) / S(5), 1e-6);
        ad.Values[1].Should().Be(0);
        ic.Metric.Should().Be("increase_in_confidence");
        ic.Direction.Should().Be(MetricDirection.HigherIsBetter);
        ic.Values.Should().Equal(0, 1);
        ic.Mean.Should().Be(0.5);
    }

    [Fact]
    public void GradCamPlusPlus_scalings_and_removal_value()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        double Kept(Tensor maps, GradCamPlusPlusOptions options)
        {
            var y = S(5);
            var drop = Metrics.AverageDropGradCamPlusPlus(options).Score(model, x, t, maps).Values[0];
            return y * (1 - drop); // O, when O ≤ Y
        }

        // Min-max: [2, 1, -1] -> [1, 2/3, 0]; kept [1, 4/3, 0]: h = [1 + 8/3, 4/3 - 1] = [11/3, 1/3] -> O = σ(10/3).
        using var map = tensor(new float[] { 2, 1, -1 }, [1, 3]);
        Kept(map, new GradCamPlusPlusOptions { Scaling = MapScaling.MinMax }).Should().BeApproximately(S(10 / 3.0), 1e-6);

        // No positive score keeps nothing: [0, 0, 0] -> h = [0, -1] -> [0, 0] -> O = 0.5.
        using var negative = tensor(new float[] { -2, -1, -1 }, [1, 3]);
        Kept(negative, new GradCamPlusPlusOptions()).Should().BeApproximately(0.5, 1e-6);

        // Removal value 1: kept = 1 + m (x − 1) with m = [1, 0.5, 0] -> [1, 1.5, 1]: h = [1 + 3, 1.5 - 1 - 1] = [4, -0.5] -> O = σ(4).
        Kept(map, new GradCamPlusPlusOptions { RemovalValue = RemovalValue.Of(1) }).Should().BeApproximately(S(4), 1e-6);
    }

    [Theory]
    [InlineData(0.0, "Fraction")]
    [InlineData(1.5, "Fraction")]
    [InlineData(double.NaN, "Fraction")]
    public void Bad_fractions_are_rejected_naming_the_option(double fraction, string name)
    {
        var act = () => Metrics.AverageDrop(new AverageDropOptions { Fraction = fraction });
        act.Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be(name);
    }

    [Fact]
    public void Bad_minimum_probabilities_and_scalings_are_rejected_naming_the_option()
    {
        var a = () => Metrics.AverageDrop(new AverageDropOptions { MinimumTargetProbability = 0 });
        a.Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("MinimumTargetProbability");
        var b = () => Metrics.IncreaseInConfidence(new GradCamPlusPlusOptions { Scaling = (MapScaling)7 });
        b.Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("Scaling");
        var c = () => Metrics.AverageDropGradCamPlusPlus(new GradCamPlusPlusOptions { RemovalValue = null! });
        c.Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("RemovalValue");
    }
}
