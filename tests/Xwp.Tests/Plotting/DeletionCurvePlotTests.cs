using FluentAssertions;
using Xunit;
using ScottPlot;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class DeletionCurvePlotTests
{
    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted];

    private static readonly DeletionCurvePlotOptions Small = new() { Width = 400, Height = 300 };

    [Fact]
    public void Average_is_the_pointwise_mean()
    {
        // (1 + 3 + 5) / 3 = 3 and (2 + 4 + 9) / 3 = 5.
        DeletionCurvePlot.Average([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]]).Should().Equal(3.0, 5.0);
        DeletionCurvePlot.Average([[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]]).Should().Equal(0.5, 0.5, 0.5);
        DeletionCurvePlot.Average([[0.25, 0.75]]).Should().Equal(0.25, 0.75);
    }

    [Fact]
    public void Average_rejects_empty_ragged_short_and_non_finite_curves()
    {
        Rejects([], "no curves");
        Rejects([[1.0, 0.5], [1.0, 0.5, 0.0]], "curves[1]");
        Rejects([[1.0]], "at least 2");
        Rejects([[1.0, double.NaN]], "NaN");
        Rejects([[1.0, 0.5], null!], "curves[1] is null");

        static void Rejects(double[][] curves, string message) =>
            FluentActions.Invoking(() => DeletionCurvePlot.Average(curves)).Should().Throw<ArgumentException>()
                .WithMessage($"*{message}*").Which.ParamName.Should().Be("curves");
    }

    [Fact]
    public void The_png_has_the_requested_size_and_is_written_to_a_new_folder()
    {
        var curves = new Dictionary<string, double[]> { ["XWP"] = [1.0, 0.4, 0.1], ["Random"] = [1.0, 0.8, 0.5, 0.3, 0.2] };
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.Path, "report", "deletion-curves.png");

        DeletionCurvePlot.SavePng(path, curves, Small);

        using var bitmap = PlotAssert.Decode(File.ReadAllBytes(path));
        (bitmap.Width, bitmap.Height).Should().Be((400, 300));
        Directory.GetFiles(Path.GetDirectoryName(path)!).Should().ContainSingle();
    }

    [Fact]
    public void Per_image_curves_are_averaged_before_drawing()
    {
        var perImage = new Dictionary<string, double[][]>
        {
            ["XWP"] = [[1.0, 0.2, 0.0], [0.8, 0.4, 0.2]],
            ["Random"] = [[1.0, 0.9, 0.5], [0.6, 0.5, 0.3], [0.8, 0.4, 0.1]],
        };
        // XWP: (1 + 0.8) / 2 = 0.9, (0.2 + 0.4) / 2 = 0.3, (0 + 0.2) / 2 = 0.1;
        // Random: 2.4 / 3 = 0.8, 1.8 / 3 = 0.6, 0.9 / 3 = 0.3.
        var means = new Dictionary<string, double[]> { ["XWP"] = [0.9, 0.3, 0.1], ["Random"] = [0.8, 0.6, 0.3] };
        var other = new Dictionary<string, double[]> { ["XWP"] = [0.9, 0.3, 0.1], ["Random"] = [0.8, 0.6, 0.4] };

        var fromPerImage = DeletionCurvePlot.RenderPng(perImage, Small);

        fromPerImage.Should().Equal(DeletionCurvePlot.RenderPng(means, Small));
        fromPerImage.Should().NotEqual(DeletionCurvePlot.RenderPng(other, Small), "the test can tell different curves apart");
    }

    [Fact]
    public void Curves_are_drawn_in_distinct_colours_and_the_title_renders()
    {
        PlotAssert.RequireFont();
        var curves = new Dictionary<string, double[]> { ["XWP"] = [1.0, 0.5, 0.0], ["Random"] = [0.0, 0.5, 1.0] };

        using var titled = PlotAssert.Decode(DeletionCurvePlot.RenderPng(curves, Small with { Title = "Deletion" }));
        using var retitled = PlotAssert.Decode(DeletionCurvePlot.RenderPng(curves, Small with { Title = "Deletiom" }));

        Contains(titled, DeletionCurvePlot.Style(0).Color).Should().BeTrue("the first curve is drawn in the palette's first colour");
        Contains(titled, DeletionCurvePlot.Style(1).Color).Should().BeTrue("the second curve is drawn in the palette's second colour");
        // Titles that differ in one letter give pictures that differ only in the title band (⌈2.2 · 14⌉ = 31 px): the glyphs are drawn.
        CountDifferent(titled, retitled, 0, 31).Should().BeGreaterThan(5);
        CountDifferent(titled, retitled, 31, titled.Height).Should().Be(0);
    }

    [Fact]
    public void It_draws_without_a_registered_font()
    {
        var curves = new List<KeyValuePair<string, double[]>> { new("XWP", [1.0, 0.5, 0.0]) };
        using var bitmap = PlotAssert.Decode(DeletionCurvePlot.Draw(curves, Small, fontName: null, new TextPainter(null)));
        (bitmap.Width, bitmap.Height).Should().Be((400, 300));
    }

    [Fact]
    public void Ten_curves_get_ten_clearly_different_colours_and_patterns_alternate()
    {
        var styles = Enumerable.Range(0, 10).Select(DeletionCurvePlot.Style).ToList();

        // Tableau 10, in order: the first is #1F77B4 (blue), the second #FF7F0E (orange).
        styles[0].Color.ToHex().Should().Be("#1F77B4");
        styles[1].Color.ToHex().Should().Be("#FF7F0E");
        // Every pair of the ten colours is far apart in RGB (the closest pair in Tableau 10 differs by more than 60 of 255·√3).
        for (var a = 0; a < 10; a++)
        {
            for (var b = a + 1; b < 10; b++)
            {
                Distance(styles[a].Color, styles[b].Color).Should().BeGreaterThan(60, $"curves {a} and {b} must be told apart");
            }
        }

        styles.Select(s => s.Pattern).Take(4).Should().Equal(LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.Solid);
        // Colours repeat after ten curves, but never with the same pattern before 30 (10 and 3 are coprime).
        Enumerable.Range(0, 30).Select(DeletionCurvePlot.Style).Select(s => (s.Color.ToHex(), Array.IndexOf(Patterns, s.Pattern)))
            .Should().OnlyHaveUniqueItems();

        static double Distance(Color x, Color y) =>
            Math.Sqrt(Math.Pow(x.R - y.R, 2) + Math.Pow(x.G - y.G, 2) + Math.Pow(x.B - y.B, 2));
    }

    [Fact]
    public void The_legend_gives_each_curves_area_by_the_trapezoid_rule()
    {
        // x = 0, 0.5, 1: (1 + 0.5) / 2 · 0.5 + (0.5 + 0) / 2 · 0.5 = 0.375 + 0.125 = 0.5.
        DeletionCurvePlot.Auc([1.0, 0.5, 0.0]).Should().BeApproximately(0.5, 1e-15);
        // x = 0, 1/4, …, 1: (1 + 2·(0.2 + 0.1 + 0.1) + 0) / 2 · 1/4 = 1.8 / 8 = 0.225.
        DeletionCurvePlot.Auc([1.0, 0.2, 0.1, 0.1, 0.0]).Should().BeApproximately(0.225, 1e-15);

        DeletionCurvePlot.LegendLabel("XWP", [1.0, 0.2, 0.1, 0.1, 0.0], new DeletionCurvePlotOptions()).Should().Be("XWP (AUC 0.225)");
        DeletionCurvePlot.LegendLabel("XWP", [1.0, 0.2, 0.1, 0.1, 0.0], new DeletionCurvePlotOptions { ShowAuc = false }).Should().Be("XWP");
        FluentActions.Invoking(() => DeletionCurvePlot.Auc([1.0])).Should().Throw<ArgumentException>().WithMessage("*at least 2*");
    }

    [Fact]
    public void The_zoom_panel_repeats_the_curves_over_the_first_fraction()
    {
        var curves = new Dictionary<string, double[]> { ["XWP"] = [1.0, 0.1, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] };
        var options = new DeletionCurvePlotOptions { Width = 600, Height = 300, Title = null };

        using var zoomed = PlotAssert.Decode(DeletionCurvePlot.RenderPng(curves, options));
        using var single = PlotAssert.Decode(DeletionCurvePlot.RenderPng(curves, options with { ZoomTo = null }));
        using var wider = PlotAssert.Decode(DeletionCurvePlot.RenderPng(curves, options with { ZoomTo = 0.5 }));

        (zoomed.Width, zoomed.Height).Should().Be((600, 300));
        // The second panel starts at 40% of the width (240 px); it shows the curve's colour only when it is drawn there.
        var blue = DeletionCurvePlot.Style(0).Color;
        ContainsIn(zoomed, blue, 240, 600).Should().BeTrue("the zoom panel draws the curve");
        ContainsIn(zoomed, blue, 0, 240).Should().BeTrue("the full panel draws the curve");
        CountDifferent(zoomed, single, 0, 300).Should().BeGreaterThan(1000, "one panel over [0, 1] is another picture");
        CountDifferent(zoomed, wider, 0, 300).Should().BeGreaterThan(100, "a zoom to 50% is another picture");
    }

    [Fact]
    public void The_y_range_is_the_options_or_the_padded_data()
    {
        List<KeyValuePair<string, double[]>> curves = [new("A", [0.2, 0.6]), new("B", [0.4, 0.4])];

        DeletionCurvePlot.YRange(curves, new DeletionCurvePlotOptions()).Should().Be((0.0, 1.0));
        // Data 0.2 … 0.6, padding max(0.05, 0.4 · 0.05 = 0.02) = 0.05.
        var (bottom, top) = DeletionCurvePlot.YRange(curves, new DeletionCurvePlotOptions { YMin = null, YMax = null });
        bottom.Should().BeApproximately(0.15, 1e-12);
        top.Should().BeApproximately(0.65, 1e-12);
        DeletionCurvePlot.YRange(curves, new DeletionCurvePlotOptions { YMax = null }).Should().Be((0.0, 0.65));
        // A given bottom above all the data keeps the bottom and opens the top: 0.9 + 0.05 + 0.4.
        var (b2, t2) = DeletionCurvePlot.YRange(curves, new DeletionCurvePlotOptions { YMin = 0.9, YMax = null });
        b2.Should().Be(0.9);
        t2.Should().BeApproximately(1.35, 1e-12);
    }

    [Fact]
    public void Bad_curves_are_rejected_naming_the_argument()
    {
        Rejects(new Dictionary<string, double[]>(), "curves", "At least one");
        Rejects(new Dictionary<string, double[]> { ["XWP"] = [1.0] }, "curves", "at least 2");
        Rejects(new Dictionary<string, double[]> { ["XWP"] = [1.0, double.NaN] }, "curves", "NaN");
        Rejects(new Dictionary<string, double[]> { ["XWP"] = null! }, "curves", "null");
        Rejects(new List<KeyValuePair<string, double[]>> { new("XWP", [1.0, 0.0]), new("XWP", [1.0, 0.5]) }, "curves", "twice");
        RejectsPerImage(new Dictionary<string, double[][]> { ["XWP"] = [[1.0, 0.5], [1.0]] }, "perImageCurves[\"XWP\"][1]");
        RejectsPerImage(new Dictionary<string, double[][]> { ["XWP"] = [] }, "no curves");
        RejectsPerImage(new Dictionary<string, double[][]> { ["XWP"] = [[1.0, double.PositiveInfinity]] }, "infinite");

        FluentActions.Invoking(() => DeletionCurvePlot.RenderPng((IEnumerable<KeyValuePair<string, double[]>>)null!))
            .Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("curves");
        FluentActions.Invoking(() => DeletionCurvePlot.SavePng("", new Dictionary<string, double[]> { ["A"] = [1.0, 0.0] }))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("path");

        static void Rejects(IEnumerable<KeyValuePair<string, double[]>> curves, string name, string message) =>
            FluentActions.Invoking(() => DeletionCurvePlot.RenderPng(curves, Small)).Should().Throw<ArgumentException>()
                .WithMessage($"*{message}*").Which.ParamName.Should().Be(name);

        static void RejectsPerImage(Dictionary<string, double[][]> curves, string message) =>
            FluentActions.Invoking(() => DeletionCurvePlot.RenderPng(curves, Small)).Should().Throw<ArgumentException>()
                .WithMessage($"*{message}*").Which.ParamName.Should().Be("perImageCurves");
    }

    [Fact]
    public void Bad_options_are_rejected_naming_the_option()
    {
        Check(new DeletionCurvePlotOptions { Width = 10 }, "Width");
        Check(new DeletionCurvePlotOptions { Height = 100_000 }, "Height");
        Check(new DeletionCurvePlotOptions { YMin = 1.0, YMax = 1.0 }, "YMax");
        Check(new DeletionCurvePlotOptions { YMin = double.NaN }, "YMin");
        Check(new DeletionCurvePlotOptions { YMax = double.PositiveInfinity }, "YMax");
        Check(new DeletionCurvePlotOptions { LineWidth = 0 }, "LineWidth");
        Check(new DeletionCurvePlotOptions { ZoomTo = 0 }, "ZoomTo");
        Check(new DeletionCurvePlotOptions { ZoomTo = 1 }, "ZoomTo");
        Check(new DeletionCurvePlotOptions { ZoomTo = double.NaN }, "ZoomTo");
        Check(new DeletionCurvePlotOptions { FontSize = 1 }, "FontSize");
        Check(new DeletionCurvePlotOptions { XLabel = null! }, "XLabel");
        Check(new DeletionCurvePlotOptions { YLabel = null! }, "YLabel");
        Check(new DeletionCurvePlotOptions { FontFile = "/no/such/font.ttf" }, "FontFile");
        new DeletionCurvePlotOptions().Validate();

        static void Check(DeletionCurvePlotOptions options, string name) =>
            FluentActions.Invoking(options.Validate).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    private static bool Contains(SkiaSharp.SKBitmap bitmap, ScottPlot.Color colour) => ContainsIn(bitmap, colour, 0, bitmap.Width);

    private static bool ContainsIn(SkiaSharp.SKBitmap bitmap, ScottPlot.Color colour, int left, int right)
    {
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = left; x < right; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red == colour.R && c.Green == colour.G && c.Blue == colour.B)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int CountDifferent(SkiaSharp.SKBitmap a, SkiaSharp.SKBitmap b, int top, int bottom)
    {
        var different = 0;
        for (var y = top; y < bottom; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                different += a.GetPixel(x, y) != b.GetPixel(x, y) ? 1 : 0;
            }
        }

        return different;
    }
}
