using FluentAssertions;
using SkiaSharp;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class FeatureBarChartTests
{
    [Fact]
    public void Draws_a_png_of_the_asked_size()
    {
        var png = FeatureBarChart.RenderPng(["a", "b", "c"], [new("XWP", [1.0, -2.0, 0.5]), new("IG", [0.5, -1.0, 0.0])], "title", width: 640, height: 320);
        using var bitmap = SKBitmap.Decode(png);
        bitmap.Width.Should().Be(640);
        bitmap.Height.Should().Be(320);
    }

    [Fact]
    public void Values_that_do_not_fit_the_features_are_refused_by_method()
    {
        var shorter = () => FeatureBarChart.RenderPng(["a", "b"], [new("XWP", [1.0])]);
        shorter.Should().Throw<ArgumentException>().WithMessage("*'XWP'*one finite value per feature (2)*");
        var nan = () => FeatureBarChart.RenderPng(["a"], [new("IG", [double.NaN])]);
        nan.Should().Throw<ArgumentException>().WithMessage("*'IG'*");
        var twice = () => FeatureBarChart.RenderPng(["a"], [new("IG", [1.0]), new("IG", [2.0])]);
        twice.Should().Throw<ArgumentException>().WithMessage("*twice*");
    }
}
