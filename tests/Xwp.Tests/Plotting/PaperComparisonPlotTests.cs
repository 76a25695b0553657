using FluentAssertions;
using SkiaSharp;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class PaperComparisonPlotTests
{
    private static readonly string[] Labels = ["IG", "XWP", "LRP"];

    private static readonly PaperComparisonPanel Ad = new("Average Drop", [0.661, 0.647, 0.645], [0.674, 0.653, 0.649]);

    private static readonly PaperComparisonPanel Auc = new("Deletion AUC", [0.461, 0.473, 0.551], [0.392, 0.399, 0.422]);

    [Fact]
    public void Both_axes_share_the_range_of_all_values_widened_by_eight_percent_of_it()
    {
        // Values 0.1 … 0.6: span 0.5, pad 0.08·0.5 = 0.04 -> [0.06, 0.64].
        var (low, high) = PaperComparisonPlot.Range(new PaperComparisonPanel("AD", [0.1, 0.3], [0.6, 0.2]));
        low.Should().BeApproximately(0.06, 1e-12);
        high.Should().BeApproximately(0.64, 1e-12);
        // A narrow span is widened by at least 0.02: 0.392 … 0.551 spans 0.159, 8% of it is only 0.01272.
        PaperComparisonPlot.Range(Auc).Should().Be((0.392 - 0.02, 0.551 + 0.02));
    }

    [Fact]
    public void The_png_has_the_requested_size_and_the_panels_differ()
    {
        var options = new PaperComparisonPlotOptions { Width = 600, Height = 300, Title = null };
        using var bitmap = PlotAssert.Decode(PaperComparisonPlot.RenderPng(Labels, [Ad, Auc], options));
        bitmap.Width.Should().Be(600);
        bitmap.Height.Should().Be(300);
        PlotAssert.AllWhite(bitmap, 0, 0, 300, 300).Should().BeFalse("the first panel is drawn");
        PlotAssert.SamePixels(bitmap, 0, 0, 300, 0, 300, 300).Should().BeFalse("the second panel shows other values and the legend");

        var path = Path.Combine(Path.GetTempPath(), $"xwp-paper-comparison-{Guid.NewGuid():N}", "plot.png");
        try
        {
            PaperComparisonPlot.SavePng(path, Labels, [Ad], options);
            using var saved = SKBitmap.Decode(path);
            saved.Width.Should().Be(600);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Markers_move_with_our_values()
    {
        var options = new PaperComparisonPlotOptions { Width = 400, Height = 300, Title = null };
        var moved = Ad with { Values = [0.674, 0.653, 0.660] };
        PaperComparisonPlot.RenderPng(Labels, [Ad], options).Should().NotEqual(PaperComparisonPlot.RenderPng(Labels, [moved], options));
        PaperComparisonPlot.RenderPng(Labels, [Ad], options).Should().Equal(PaperComparisonPlot.RenderPng(Labels, [Ad], options), "drawing is deterministic");
    }

    [Fact]
    public void Bad_input_is_rejected_naming_the_panel_and_the_method()
    {
        Rejects(Labels, [new PaperComparisonPanel("AD", [0.1, 0.2], [0.1, 0.2, 0.3])], "*Panel 0 ('AD') has 2 published values; expected one per method (3)*", "panels");
        Rejects(Labels, [new PaperComparisonPanel("AD", [0.1, 0.2, 0.3], [0.1, double.NaN, 0.3])], "*the own value of 'XWP' is NaN*", "panels");
        Rejects(["IG", "IG"], [Ad], "*'IG' appears twice*", "labels");
        Rejects(Labels, [], "*At least one panel*", "panels");
        FluentActions.Invoking(() => PaperComparisonPlot.RenderPng(Labels, [Ad], new PaperComparisonPlotOptions { MarkerSize = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("MarkerSize");

        static void Rejects(string[] labels, PaperComparisonPanel[] panels, string message, string param) =>
            FluentActions.Invoking(() => PaperComparisonPlot.RenderPng(labels, panels)).Should().Throw<ArgumentException>()
                .WithMessage(message).Which.ParamName.Should().Be(param);
    }
}
