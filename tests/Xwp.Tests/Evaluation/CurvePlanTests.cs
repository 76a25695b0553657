using FluentAssertions;
using Xunit;
using Xwp.Evaluation;

namespace Xwp.Tests.Evaluation;

public class CurvePlanTests
{
    [Fact]
    public void Default_steps_on_784_features_round_k_times_7_84_half_up()
    {
        var plan = CurvePlan.For(784, new CurveMetricOptions());

        // k·784/100 = 7.84, 15.68, 23.52, 31.36, 39.2 -> 8, 16, 24, 31, 39; k = 99: 776.16 -> 776; k = 100: 784.
        plan.Steps.Should().Be(100);
        plan.FullSteps.Should().Be(100);
        plan.Counts.Take(6).Should().Equal(0, 8, 16, 24, 31, 39);
        plan.Counts[99].Should().Be(776);
        plan.Counts[100].Should().Be(784);
        plan.LargestStep.Should().Be(8);
    }

    [Fact]
    public void Halves_round_up_not_to_even()
    {
        // D = 50: k·0.5 -> k = 1: 0.5 -> 1 (banker's rounding would give 0); k = 5: 2.5 -> 3 (banker's: 2).
        var plan = CurvePlan.For(50, new CurveMetricOptions());
        plan.Counts[1].Should().Be(1);
        plan.Counts[5].Should().Be(3);
        // k = 99: 49.5 -> 50, so every feature is gone after 99 steps, not 100.
        plan.Steps.Should().Be(99);
        plan.Counts[99].Should().Be(50);

        // D = 3: smallest k with k·0.03 ≥ 2.5 is 84 (0.03·84 = 2.52 -> 3; 0.03·83 = 2.49 -> 2).
        var small = CurvePlan.For(3, new CurveMetricOptions());
        small.FullSteps.Should().Be(84);
        small.Counts[83].Should().Be(2);
        small.Counts[84].Should().Be(3);
        small.Counts[17].Should().Be(1); // 0.51 -> 1
        small.Counts[16].Should().Be(0); // 0.48 -> 0
    }

    [Theory]
    [InlineData(0.2, 784, 157)] // 156.8
    [InlineData(0.5, 5, 3)]     // 2.5 -> 3
    [InlineData(0.5, 1, 1)]     // 0.5 -> 1
    [InlineData(0.1, 5, 1)]     // 0.5 -> 1
    [InlineData(0.1, 4, 0)]     // 0.4 -> 0
    public void RoundHalfUp_is_exact(double fraction, int features, int expected) =>
        CurvePlan.RoundHalfUp(fraction, features).Should().Be(expected);

    [Fact]
    public void Features_per_step_and_max_steps()
    {
        var plan = CurvePlan.For(10, new CurveMetricOptions { FeaturesPerStep = 3 });
        plan.Counts.Should().Equal(0, 3, 6, 9, 10);
        plan.FullSteps.Should().Be(4);
        plan.StepRule.Should().Be("3");

        var truncated = CurvePlan.For(10, new CurveMetricOptions { FeaturesPerStep = 3, MaxSteps = 2 });
        truncated.Counts.Should().Equal(0, 3, 6);
        truncated.FullSteps.Should().Be(4);

        CurvePlan.For(10, new CurveMetricOptions { FeaturesPerStep = 3, MaxSteps = 50 }).Steps.Should().Be(4);
    }

    [Fact]
    public void Other_fractions_follow_the_same_rule()
    {
        // 25% of 10: 2.5 -> 3, 5, 7.5 -> 8, 10.
        CurvePlan.For(10, new CurveMetricOptions { StepFraction = 0.25 }).Counts.Should().Equal(0, 3, 5, 8, 10);
        CurvePlan.For(7, new CurveMetricOptions { StepFraction = 1 }).Counts.Should().Equal(0, 7);
    }
}
