using FluentAssertions;
using SkiaSharp;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class DivergingColorMapTests
{
    private static readonly DivergingColorMap BlackGrayWhite = new([new SKColor(0, 0, 0), new SKColor(100, 100, 100), new SKColor(200, 200, 200)]);

    [Fact]
    public void Zero_and_the_ends_map_to_the_middle_and_end_stops()
    {
        foreach (var map in new[] { DivergingColorMap.BlueWhiteRed, DivergingColorMap.PurpleWhiteGreen, BlackGrayWhite })
        {
            map.Map(0.0).Should().Be(map.Neutral);
            map.Map(1.0).Should().Be(map.Positive);
            map.Map(-1.0).Should().Be(map.Negative);
            map.Neutral.Should().Be(map.Stops[map.Stops.Count / 2]);
        }

        DivergingColorMap.BlueWhiteRed.Neutral.Should().Be(SKColors.White);
    }

    [Fact]
    public void Values_between_stops_are_interpolated_linearly_and_values_beyond_are_clamped()
    {
        // Three stops at -1, 0, 1: -0.5 is halfway between 0 and 100 = 50; 0.25 is a quarter of the way from 100 to 200 = 125.
        BlackGrayWhite.Map(-0.5).Rgb().Should().Be(((byte)50, (byte)50, (byte)50));
        BlackGrayWhite.Map(0.25).Rgb().Should().Be(((byte)125, (byte)125, (byte)125));
        BlackGrayWhite.Map(7.0).Should().Be(BlackGrayWhite.Positive);
        BlackGrayWhite.Map(-7.0).Should().Be(BlackGrayWhite.Negative);

        // Five stops at -1, -0.5, 0, 0.5, 1: 0.5 is exactly the fourth stop.
        DivergingColorMap.BlueWhiteRed.Map(0.5).Should().Be(DivergingColorMap.BlueWhiteRed.Stops[3]);
    }

    [Fact]
    public void Bad_maps_and_values_are_rejected()
    {
        FluentActions.Invoking(() => new DivergingColorMap([SKColors.Blue, SKColors.Red]))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("stops");
        FluentActions.Invoking(() => new DivergingColorMap([SKColors.Blue, SKColors.White, SKColors.Red, SKColors.Red]))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("stops");
        FluentActions.Invoking(() => new DivergingColorMap([SKColors.Blue, SKColors.Transparent, SKColors.Red]))
            .Should().Throw<ArgumentException>().WithMessage("*opaque*");
        FluentActions.Invoking(() => BlackGrayWhite.Map(double.NaN))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("t");
    }
}
