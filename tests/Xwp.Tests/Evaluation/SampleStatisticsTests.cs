using FluentAssertions;
using Xunit;

namespace Xwp.Tests.Evaluation;

public class SampleStatisticsTests
{
    [Fact]
    public void A_constant_sample_has_zero_width_and_its_exact_mean()
    {
        // 0.1 summed ten times is not exactly 1.0; the constant rule must not let that show.
        var s = SampleStatistics.Of(Enumerable.Repeat(0.1, 10));
        s.Count.Should().Be(10);
        s.Mean.Should().Be(0.1);
        s.StandardDeviation.Should().Be(0);
        s.Interval.Width.Should().Be(0);
        s.Interval.Lower.Should().Be(0.1);
    }

    [Fact]
    public void The_t_interval_of_one_to_five_matches_the_hand_computation()
    {
        // mean 3, s² = (4+1+0+1+4)/4 = 2.5, s/√5 = 0.70711, t(0.975, 4) = 2.776445 -> half width 1.963243.
        var s = SampleStatistics.Of([1, 2, 3, 4, 5]);
        s.Mean.Should().Be(3);
        s.StandardDeviation.Should().BeApproximately(Math.Sqrt(2.5), 1e-12);
        s.StandardError.Should().BeApproximately(Math.Sqrt(0.5), 1e-12);
        s.Interval.Lower.Should().BeApproximately(3 - 1.963243, 1e-6);
        s.Interval.Upper.Should().BeApproximately(3 + 1.963243, 1e-6);
        s.Interval.Level.Should().Be(0.95);

        // 90%: t(0.95, 4) = 2.131847 -> half width 1.507443.
        SampleStatistics.Of([1, 2, 3, 4, 5], 0.90).Interval.Upper.Should().BeApproximately(3 + 1.507443, 1e-6);
    }

    [Fact]
    public void Nan_values_are_skipped_and_tiny_samples_have_no_interval()
    {
        SampleStatistics.Of([1, double.NaN, 3]).Count.Should().Be(2);
        var one = SampleStatistics.Of([4.0]);
        one.Mean.Should().Be(4);
        double.IsNaN(one.Interval.Lower).Should().BeTrue();
        var none = SampleStatistics.Of([double.NaN]);
        none.Count.Should().Be(0);
        double.IsNaN(none.Mean).Should().BeTrue();
    }

    [Fact]
    public void Bad_levels_and_infinite_values_are_rejected()
    {
        var a = () => SampleStatistics.Of([1.0, 2.0], 1.0);
        a.Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("level");
        var b = () => SampleStatistics.Of([1.0, double.PositiveInfinity]);
        b.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Intervals_of_bounded_metrics_are_clipped_to_their_range_and_others_are_not()
    {
        // Four images, Increase in Confidence 1, 1, 1, 0: mean 0.75, s = 0.5, t(0.975, 3) = 3.1824,
        // half-width 3.1824 · 0.5 / 2 = 0.7956 → t-interval [−0.0456, 1.5456], clipped to [0, 1].
        double[] values = [1, 1, 1, 0];
        var raw = SampleStatistics.Of(values);
        raw.Interval.Lower.Should().BeApproximately(-0.0456, 1e-4);
        raw.Interval.Upper.Should().BeApproximately(1.5456, 1e-4);

        var confidence = MetricResult.Create("m", Metrics.IncreaseInConfidence(), 3, values, null, 0.95);
        confidence.Mean.Should().Be(0.75);
        confidence.Statistics.StandardDeviation.Should().Be(0.5);
        confidence.Statistics.Interval.Lower.Should().Be(0);
        confidence.Statistics.Interval.Upper.Should().Be(1);

        // Average Drop is bounded below only: the upper bound stays.
        var drop = MetricResult.Create("m", Metrics.AverageDrop(), 3, values, null, 0.95);
        drop.Statistics.Interval.Lower.Should().Be(0);
        drop.Statistics.Interval.Upper.Should().BeApproximately(1.5456, 1e-4);

        // A curve area is not clipped (a single-output model's curve follows its raw output).
        var area = MetricResult.Create("m", Metrics.DeletionAuc(), 3, values, null, 0.95);
        area.Statistics.Interval.Should().Be(raw.Interval);

        // An interval inside the range is left as it is.
        double[] inside = [0.4, 0.5, 0.6, 0.5];
        MetricResult.Create("m", Metrics.IncreaseInConfidence(), 3, inside, null, 0.95).Statistics.Interval
            .Should().Be(SampleStatistics.Of(inside).Interval);
    }
}
