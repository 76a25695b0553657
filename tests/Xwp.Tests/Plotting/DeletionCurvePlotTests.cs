using FluentAssertions;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class DeletionCurvePlotTests
{
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

        var palette = new ScottPlot.Palettes.ColorblindFriendly();
        Contains(titled, palette.GetColor(0)).Should().BeTrue("the first curve is drawn in the palette's first colour");
        Contains(titled, palette.GetColor(1)).Should().BeTrue("the second curve is drawn in the palette's second colour");
        // Titles that differ in one letter give pictures that differ only in the title band: the glyphs are drawn.
        CountDifferent(titled, retitled, 0, 30).Should().BeGreaterThan(5);
        CountDifferent(titled, retitled, 30, titled.Height).Should().Be(0);
    }

    [Fact]
    public void It_draws_without_a_registered_font()
    {
        var curves = new List<KeyValuePair<string, double[]>> { new("XWP", [1.0, 0.5, 0.0]) };
        using var bitmap = PlotAssert.Decode(DeletionCurvePlot.Draw(curves, Small, fontName: null));
        (bitmap.Width, bitmap.Height).Should().Be((400, 300));
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
        Check(new DeletionCurvePlotOptions { FontSize = 1 }, "FontSize");
        Check(new DeletionCurvePlotOptions { XLabel = null! }, "XLabel");
        Check(new DeletionCurvePlotOptions { YLabel = null! }, "YLabel");
        Check(new DeletionCurvePlotOptions { FontFile = "/no/such/font.ttf" }, "FontFile");
        new DeletionCurvePlotOptions().Validate();

        static void Check(DeletionCurvePlotOptions options, string name) =>
            FluentActions.Invoking(options.Validate).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    private static bool Contains(SkiaSharp.SKBitmap bitmap, ScottPlot.Color colour)
    {
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
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
