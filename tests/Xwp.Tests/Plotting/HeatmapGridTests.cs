using FluentAssertions;
using SkiaSharp;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class HeatmapGridTests
{
    private static readonly DivergingColorMap Map = DivergingColorMap.BlueWhiteRed;

    // A 1×3 "image" per cell, each data pixel 2×2, 2 px between cells, no margin, title, labels or bar.
    // The header band is ⌈1.6·4⌉ = 7 px, so row 0 starts at y = 7; column c starts at x = c·(3·2 + 2) = 8c.
    private static readonly HeatmapGridOptions Tiny = new()
    {
        ImageWidth = 3, ImageHeight = 1, Scale = 2, Gap = 2, Margin = 0, FontSize = 4, ShowColorBar = false,
    };

    private static float[] Full(float value, int length = 784) => Enumerable.Repeat(value, length).ToArray();

    private static HeatmapRow Row(string? label, params float[][] maps) => new(Full(0.5f), maps, label);

    [Fact]
    public void The_png_has_the_size_of_the_documented_layout()
    {
        var options = new HeatmapGridOptions { Scale = 2, Gap = 3, Margin = 5, FontSize = 10, Title = "T", RowLabelWidth = 40, ShowColorBar = false };
        HeatmapRow[] rows = [Row("zero", Full(1f), Full(-1f)), Row("one", Full(0f), Full(2f))];
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.Path, "sub", "grid.png");

        HeatmapGrid.SavePng(path, ["A", "B"], rows, options);

        // Width: 2·5 margin + (40 + 3) labels + 3 columns · 56 + 2 gaps · 3 = 10 + 43 + 168 + 6 = 227.
        // Height: 2·5 + title ⌈22⌉ + header ⌈16⌉ + 2 rows · 56 + 1 gap · 3 = 10 + 22 + 16 + 112 + 3 = 163.
        File.Exists(path).Should().BeTrue();
        Directory.GetFiles(Path.GetDirectoryName(path)!).Should().ContainSingle("no temporary file is left behind");
        using var bitmap = PlotAssert.Decode(File.ReadAllBytes(path));
        (bitmap.Width, bitmap.Height).Should().Be((227, 163));

        // The colour bar adds ⌈0.5·10⌉ + ⌈0.8·10⌉ + ⌈1.6·10⌉ = 5 + 8 + 16 = 29; no labels take the label column away (227 − 43 = 184).
        using var withBar = PlotAssert.Decode(HeatmapGrid.RenderPng(["A", "B"], rows, options with { ShowColorBar = true }));
        (withBar.Width, withBar.Height).Should().Be((227, 192));
        HeatmapRow[] unlabelled = [rows[0] with { Label = null }, rows[1] with { Label = "" }];
        using var noLabels = HeatmapGrid.Render(["A", "B"], unlabelled, options);
        (noLabels.Width, noLabels.Height).Should().Be((184, 163));
    }

    [Fact]
    public void A_column_title_too_wide_for_its_column_takes_two_lines()
    {
        PlotAssert.RequireFont();
        var options = new HeatmapGridOptions { Scale = 1, Gap = 2, Margin = 0, FontSize = 10, ShowColorBar = false };
        HeatmapRow[] rows = [Row(null, Full(1f))];

        using var narrow = HeatmapGrid.Render(["A"], rows, options);
        using var wrapped = HeatmapGrid.Render(["Integrated Gradients"], rows, options);

        // One row of 28 px under a header of one line (16 px), or of two lines (32 px).
        narrow.Height.Should().Be(16 + 28);
        wrapped.Height.Should().Be(32 + 28);
    }

    [Fact]
    public void Zero_is_the_neutral_colour_and_plus_and_minus_max_are_the_ends_of_the_colour_map()
    {
        // Map [-2, 0, 2]: max |value| = 2, so -2 → -1 (negative end), 0 → neutral, 2 → +1 (positive end).
        // Map [-1, 0.5, 0.25]: max |value| = 1, so -1 → negative end, 0.5 → Map(0.5), 0.25 → Map(0.25).
        var row = new HeatmapRow([0f, 0.5f, 1f], [[-2f, 0f, 2f], [-1f, 0.5f, 0.25f]]);
        using var bitmap = HeatmapGrid.Render(["M", "N"], [row], Tiny);

        (bitmap.Width, bitmap.Height).Should().Be((3 * 6 + 2 * 2, 7 + 2));
        foreach (var (dx, dy) in new[] { (0, 0), (1, 1) })
        {
            bitmap.Rgb(8 + 0 + dx, 7 + dy).Should().Be(Map.Negative.Rgb());
            bitmap.Rgb(8 + 2 + dx, 7 + dy).Should().Be(Map.Neutral.Rgb());
            bitmap.Rgb(8 + 4 + dx, 7 + dy).Should().Be(Map.Positive.Rgb());
            bitmap.Rgb(16 + 0 + dx, 7 + dy).Should().Be(Map.Negative.Rgb());
            bitmap.Rgb(16 + 2 + dx, 7 + dy).Should().Be(Map.Map(0.5).Rgb());
            bitmap.Rgb(16 + 4 + dx, 7 + dy).Should().Be(Map.Map(0.25).Rgb());

            // The input in grayscale: 0 black, 0.5 → round(127.5) = 128, 1 white.
            bitmap.Rgb(0 + dx, 7 + dy).Should().Be(((byte)0, (byte)0, (byte)0));
            bitmap.Rgb(2 + dx, 7 + dy).Should().Be(((byte)128, (byte)128, (byte)128));
            bitmap.Rgb(4 + dx, 7 + dy).Should().Be(((byte)255, (byte)255, (byte)255));
        }
    }

    [Fact]
    public void Inverted_input_draws_one_black_and_out_of_range_input_is_clamped()
    {
        var row = new HeatmapRow([-3f, 0.5f, 9f], [[1f, 0f, -1f]]);
        using var bitmap = HeatmapGrid.Render(["M"], [row], Tiny with { InvertInput = true });

        bitmap.Rgb(0, 7).Should().Be(((byte)255, (byte)255, (byte)255));
        bitmap.Rgb(4, 7).Should().Be(((byte)0, (byte)0, (byte)0));
    }

    [Fact]
    public void Each_map_is_scaled_by_its_own_max_so_a_map_and_ten_times_it_look_the_same()
    {
        // Values are multiples of 1/8, so ×10 is exact in float and every ratio v / max is the same.
        var random = new Random(5);
        var map = Enumerable.Range(0, 784).Select(_ => random.Next(-16, 17) / 8f).ToArray();
        var tenfold = map.Select(v => v * 10f).ToArray();
        var options = new HeatmapGridOptions { Margin = 0, Gap = 2, Scale = 2, ShowColorBar = false };
        using var bitmap = HeatmapGrid.Render(["map", "×10"], [new HeatmapRow(Full(0f), [map, tenfold])], options);

        // Columns 1 and 2 start at 58 and 116 (56 px cells, 2 px gaps); the row starts under the header band.
        var top = (int)Math.Ceiling(options.FontSize * 1.6);
        PlotAssert.SamePixels(bitmap, 58, top, 116, top, 56, 56).Should().BeTrue();
        PlotAssert.SamePixels(bitmap, 0, top, 58, top, 56, 56).Should().BeFalse("the test can tell different cells apart");
    }

    [Fact]
    public void An_all_zero_map_is_drawn_neutral()
    {
        using var bitmap = HeatmapGrid.Render(["M"], [new HeatmapRow([0f, 0f, 0f], [[0f, 0f, 0f]])], Tiny);
        for (var x = 8; x < 14; x++)
        {
            bitmap.Rgb(x, 7).Should().Be(Map.Neutral.Rgb());
        }
    }

    [Fact]
    public void A_map_of_positive_values_is_drawn_from_its_min_in_white_to_its_max_at_the_positive_end()
    {
        // [1, 2, 3]: all > 0, min 1, max 3, so 1 → (1 − 1) / (3 − 1) = 0 (white), 2 → 0.5, 3 → 1 (positive end).
        // [−3, −2, −1]: all < 0, smallest |value| 1, largest 3, so −1 → white, −2 → −0.5, −3 → the negative end.
        // (Without a font the titles "M (min–max)" and "N (min–max)" stay on one line, so the row starts at y = 7.)
        var row = new HeatmapRow([0f, 0f, 0f], [[1f, 2f, 3f], [-3f, -2f, -1f]]);
        using var bitmap = HeatmapGrid.RenderWith(["M", "N"], [row], Tiny, new TextPainter(null));

        bitmap.Rgb(8 + 0, 7).Should().Be(Map.Neutral.Rgb());
        bitmap.Rgb(8 + 2, 7).Should().Be(Map.Map(0.5).Rgb());
        bitmap.Rgb(8 + 4, 7).Should().Be(Map.Positive.Rgb());
        bitmap.Rgb(16 + 0, 7).Should().Be(Map.Negative.Rgb());
        bitmap.Rgb(16 + 2, 7).Should().Be(Map.Map(-0.5).Rgb());
        bitmap.Rgb(16 + 4, 7).Should().Be(Map.Neutral.Rgb());
        HeatmapGrid.IsDrawnMinToMax([1f, 2f, 3f]).Should().BeTrue();
        HeatmapGrid.IsDrawnMinToMax([-3f, -2f, -1f]).Should().BeTrue();
    }

    [Fact]
    public void Maps_with_a_zero_or_both_signs_or_one_value_and_the_symmetric_option_keep_the_scale_centred_at_zero()
    {
        // [0, 1, 2]: the smallest |value| is 0, so min-to-max and symmetric agree: 1 → 0.5.
        // [2, 2, 2]: one value, no range to spread: symmetric, 2 → the positive end.
        // [1, 2, 4] with SymmetricAboutZero: 1 → 1/4, 2 → 1/2, 4 → 1.
        var row = new HeatmapRow([0f, 0f, 0f], [[0f, 1f, 2f], [2f, 2f, 2f]]);
        using var bitmap = HeatmapGrid.Render(["M", "N"], [row], Tiny);
        bitmap.Rgb(8 + 2, 7).Should().Be(Map.Map(0.5).Rgb());
        bitmap.Rgb(16 + 0, 7).Should().Be(Map.Positive.Rgb());
        HeatmapGrid.IsDrawnMinToMax([0f, 1f, 2f]).Should().BeFalse();
        HeatmapGrid.IsDrawnMinToMax([2f, 2f, 2f]).Should().BeFalse();
        HeatmapGrid.IsDrawnMinToMax([-1f, 1f, 2f]).Should().BeFalse();

        var symmetric = Tiny with { OneSignedMaps = OneSignedScale.SymmetricAboutZero };
        using var centred = HeatmapGrid.Render(["M"], [new HeatmapRow([0f, 0f, 0f], [[1f, 2f, 4f]])], symmetric);
        centred.Rgb(8 + 0, 7).Should().Be(Map.Map(0.25).Rgb());
        centred.Rgb(8 + 2, 7).Should().Be(Map.Map(0.5).Rgb());
        centred.Rgb(8 + 4, 7).Should().Be(Map.Positive.Rgb());
        HeatmapGrid.IsDrawnMinToMax([1f, 2f, 4f], symmetric).Should().BeFalse();
    }

    [Fact]
    public void A_column_whose_maps_are_all_drawn_min_to_max_says_so_in_its_title()
    {
        var positive = new[] { 1f, 2f, 3f };
        var mixed = new[] { -1f, 0f, 1f };
        MapScale[][] scales =
        [
            [MapScale.Of(positive, Tiny), MapScale.Of(mixed, Tiny), MapScale.Of(positive, Tiny)],
            [MapScale.Of(positive, Tiny), MapScale.Of(positive, Tiny), MapScale.Of(mixed, Tiny)],
        ];

        HeatmapGrid.MarkedTitles(["RISE", "IG", "XWP"], scales).Should().Equal("RISE (min–max)", "IG", "XWP");
    }

    [Fact]
    public void A_lower_scale_percentile_saturates_the_largest_values()
    {
        // |values| sorted: 0, 1, 2, 3, 4; the 50th percentile is 2, so 1 → 0.5, 2 and 4 → the positive end.
        Drawing.SymmetricScale([0f, -1f, 2f, 3f, 4f], 50).Should().Be(2.0);
        Drawing.SymmetricScale([0f, -1f, 2f, 3f, 4f], 100).Should().Be(4.0);
        // 75th percentile: rank 0.75·4 = 3 → 3; 90th: rank 3.6 → 3 + 0.6·(4 − 3) = 3.6.
        Drawing.SymmetricScale([0f, -1f, 2f, 3f, 4f], 90).Should().BeApproximately(3.6, 1e-12);

        var row = new HeatmapRow([0f, 0f, 0f, 0f, 0f], [[0f, 1f, 2f, 3f, 4f]]);
        var options = Tiny with { ImageWidth = 5, ScalePercentile = 50 };
        using var bitmap = HeatmapGrid.Render(["M"], [row], options);
        var left = (5 * 2) + 2;
        bitmap.Rgb(left + 2, 7).Should().Be(Map.Map(0.5).Rgb());
        bitmap.Rgb(left + 4, 7).Should().Be(Map.Positive.Rgb());
        bitmap.Rgb(left + 8, 7).Should().Be(Map.Positive.Rgb());
    }

    [Fact]
    public void Titles_and_labels_render_with_a_font_and_the_grid_still_draws_without_one()
    {
        var font = PlotAssert.RequireFont();
        var options = new HeatmapGridOptions { Title = "Attributions", Margin = 4, FontSize = 12, FontFile = font };
        HeatmapRow[] rows = [Row("Trouser", Full(1f))];

        using var withText = HeatmapGrid.Render(["XWP"], rows, options);
        using var withoutText = HeatmapGrid.RenderWith(["XWP"], rows, options, new TextPainter(null));

        (withoutText.Width, withoutText.Height).Should().Be((withText.Width, withText.Height));
        var title = (int)Math.Ceiling(12 * 2.2);
        var header = (int)Math.Ceiling(12 * 1.6);
        PlotAssert.AllWhite(withText, 0, 4, withText.Width, title).Should().BeFalse("the title is drawn");
        PlotAssert.AllWhite(withText, 0, 4 + title, withText.Width, header).Should().BeFalse("the column titles are drawn");
        PlotAssert.AllWhite(withText, 4, 4 + title + header, 110, 112).Should().BeFalse("the row label is drawn");
        // (The row just above the cells holds their one-pixel frames.)
        PlotAssert.AllWhite(withoutText, 0, 0, withoutText.Width, 4 + title + header - 1).Should().BeTrue("without a font there is no text");
        PlotAssert.AllWhite(withoutText, 4, 4 + title + header, 110, 112).Should().BeTrue();
        withoutText.Rgb(4 + 110 + 6 + 112 + 6 + 10, 4 + title + header + 10).Should().Be(Map.Positive.Rgb(), "the maps are drawn all the same");
    }

    [Fact]
    public void Wrong_lengths_and_non_finite_values_are_rejected_naming_the_argument()
    {
        var good = Full(0.1f);
        string[] methods = ["A", "B"];

        Act(methods, [new HeatmapRow(good, [good, Full(0.1f, 783)])]).Which.Message.Should().Contain("rows[0].Maps[1]").And.Contain("783").And.Contain("784");
        Act(methods, [new HeatmapRow(Full(0.1f, 10), [good, good])]).Which.Message.Should().Contain("rows[0].Input");
        Act(methods, [new HeatmapRow(good, [good])]).Which.Message.Should().Contain("expected 2");
        var nan = Full(0.1f);
        nan[5] = float.NaN;
        Act(methods, [new HeatmapRow(good, [good, good]), new HeatmapRow(good, [nan, good])])
            .Which.Message.Should().Contain("rows[1].Maps[0]").And.Contain("NaN").And.Contain("index 5");
        var infinite = Full(0.1f);
        infinite[0] = float.PositiveInfinity;
        Act(methods, [new HeatmapRow(infinite, [good, good])]).Which.Message.Should().Contain("infinite");
        Act(methods, []).Which.Message.Should().Contain("row");
        Act(methods, [null!]).Which.Message.Should().Contain("rows[0] is null");

        FluentActions.Invoking(() => HeatmapGrid.Render([], [new HeatmapRow(good, [])]))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("methods");
        FluentActions.Invoking(() => HeatmapGrid.Render(["A", null!], [new HeatmapRow(good, [good, good])]))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("methods");
        FluentActions.Invoking(() => HeatmapGrid.SavePng(" ", ["A"], [new HeatmapRow(good, [good])]))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("path");
        FluentActions.Invoking(() => HeatmapGrid.Render(null!, [new HeatmapRow(good, [good])]))
            .Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("methods");

        static FluentAssertions.Specialized.ExceptionAssertions<ArgumentException> Act(string[] methods, HeatmapRow[] rows)
        {
            var thrown = FluentActions.Invoking(() => HeatmapGrid.Render(methods, rows)).Should().Throw<ArgumentException>();
            thrown.Which.ParamName.Should().Be("rows");
            return thrown;
        }
    }

    [Fact]
    public void Bad_options_are_rejected_naming_the_option()
    {
        Check(new HeatmapGridOptions { Scale = 0 }, "Scale");
        Check(new HeatmapGridOptions { Scale = 33 }, "Scale");
        Check(new HeatmapGridOptions { ImageWidth = 0 }, "ImageWidth");
        Check(new HeatmapGridOptions { ImageHeight = -1 }, "ImageHeight");
        Check(new HeatmapGridOptions { Gap = -1 }, "Gap");
        Check(new HeatmapGridOptions { Margin = -1 }, "Margin");
        Check(new HeatmapGridOptions { FontSize = float.NaN }, "FontSize");
        Check(new HeatmapGridOptions { RowLabelWidth = -5 }, "RowLabelWidth");
        Check(new HeatmapGridOptions { ScalePercentile = 0 }, "ScalePercentile");
        Check(new HeatmapGridOptions { ScalePercentile = 100.5 }, "ScalePercentile");
        Check(new HeatmapGridOptions { ColorMap = null! }, "ColorMap");
        Check(new HeatmapGridOptions { OneSignedMaps = (OneSignedScale)7 }, "OneSignedMaps");
        Check(new HeatmapGridOptions { InputColumnTitle = null! }, "InputColumnTitle");
        Check(new HeatmapGridOptions { FontFile = "/no/such/font.ttf" }, "FontFile");

        using var scratch = new ScratchFolder();
        var notAFont = Path.Combine(scratch.Path, "readme.ttf");
        File.WriteAllText(notAFont, "not a font");
        Check(new HeatmapGridOptions { FontFile = notAFont }, "FontFile");
        new HeatmapGridOptions().Validate();

        static void Check(HeatmapGridOptions options, string name)
        {
            FluentActions.Invoking(options.Validate).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
            FluentActions.Invoking(() => HeatmapGrid.Render(["A"], [new HeatmapRow([0f], [[0f]])], options))
                .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
        }
    }

    [Fact]
    public void A_picture_too_large_to_draw_is_refused()
    {
        var rows = Enumerable.Range(0, 200).Select(_ => new HeatmapRow(Full(0f), [Full(1f)])).ToArray();
        FluentActions.Invoking(() => HeatmapGrid.Render(["A"], rows, new HeatmapGridOptions { Scale = 32 }))
            .Should().Throw<ArgumentException>().WithMessage("*limit*").Which.ParamName.Should().Be("rows");
    }
}
