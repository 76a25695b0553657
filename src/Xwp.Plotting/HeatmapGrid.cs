using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>
/// A grid of attribution heatmaps like Figures 3, 5 and 6 of the XWP paper (Explainable Weight
/// Perturbation): one row per sample image, the input image in
/// grayscale in the first column, then one attribution map per method, method names as column titles.
/// Maps use a diverging colour map centred at zero, each map scaled symmetrically by its own
/// largest |value| (see <see cref="HeatmapGridOptions.ScalePercentile"/>), so white is zero, the most
/// negative value is the map's negative end and the most positive value its positive end. A map whose
/// values all have one sign and are all nonzero (RISE's are all positive) is by default drawn from its own
/// minimum |value| (white) to its maximum instead (<see cref="HeatmapGridOptions.OneSignedMaps"/>), and a
/// column whose maps are all drawn that way gets <c>(min–max)</c> after its title. Data pixels
/// are upscaled by nearest neighbour (<see cref="HeatmapGridOptions.Scale"/>) so that they stay visible.
/// </summary>
public static class HeatmapGrid
{
    /// <summary>Draws the grid into a new bitmap, which the caller owns and disposes.</summary>
    /// <param name="methods">Column titles, one per attribution method.</param>
    /// <param name="rows">The rows, top to bottom; each has one map per method.</param>
    /// <param name="options">Layout and colours; null for the defaults.</param>
    /// <returns>An opaque RGBA bitmap.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="methods"/> or <paramref name="rows"/> is empty, a row has the wrong number of maps, an
    /// image or map has the wrong length or a NaN or infinite value, or the picture would be too large.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static SKBitmap Render(IReadOnlyList<string> methods, IReadOnlyList<HeatmapRow> rows, HeatmapGridOptions? options = null)
    {
        options ??= new HeatmapGridOptions();
        options.Validate();
        return RenderWith(methods, rows, options, new TextPainter(PlotFonts.Resolve(options.FontFile)));
    }

    /// <summary>
    /// Whether <paramref name="map"/> is drawn from its minimum to its maximum (its values all have one sign,
    /// none is zero, and <see cref="HeatmapGridOptions.OneSignedMaps"/> is <see cref="OneSignedScale.MinToMax"/>)
    /// rather than symmetrically about zero; for captions that explain the colours.
    /// </summary>
    /// <param name="map">The map's values, finite.</param>
    /// <param name="options">The options the grid is drawn with; null for the defaults.</param>
    /// <returns>True for the min-to-max scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    public static bool IsDrawnMinToMax(float[] map, HeatmapGridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        return MapScale.Of(map, options ?? new HeatmapGridOptions()).OneSigned;
    }

    /// <summary>Draws the grid with the given text painter (tests pass one without a font).</summary>
    internal static SKBitmap RenderWith(IReadOnlyList<string> methods, IReadOnlyList<HeatmapRow> rows, HeatmapGridOptions options, TextPainter text)
    {
        Check(methods, rows, options);
        var scales = rows.Select(r => r.Maps.Select(m => MapScale.Of(m, options)).ToArray()).ToArray();
        var titles = ColumnTitles(text, MarkedTitles(methods, scales), options);
        var layout = HeatmapLayout.Of(rows.Count, methods.Count, rows.Any(r => !string.IsNullOrEmpty(r.Label)), titles.Max(t => t.Length), options);
        var bitmap = Drawing.NewBitmap(layout.Width, layout.Height, nameof(rows));
        try
        {
            using var canvas = new SKCanvas(bitmap);
            Paint(canvas, text, layout, titles, rows, scales, options);
            canvas.Flush();
            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    /// <summary>Draws the grid and returns it as PNG bytes.</summary>
    /// <param name="methods">Column titles, one per attribution method.</param>
    /// <param name="rows">The rows, top to bottom; each has one map per method.</param>
    /// <param name="options">Layout and colours; null for the defaults.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Render"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] RenderPng(IReadOnlyList<string> methods, IReadOnlyList<HeatmapRow> rows, HeatmapGridOptions? options = null)
    {
        using var bitmap = Render(methods, rows, options);
        return Drawing.EncodePng(bitmap);
    }

    /// <summary>Draws the grid and writes it as a PNG file (through a temporary file, creating the folder when needed).</summary>
    /// <param name="path">The PNG file to write; replaced when it exists.</param>
    /// <param name="methods">Column titles, one per attribution method.</param>
    /// <param name="rows">The rows, top to bottom; each has one map per method.</param>
    /// <param name="options">Layout and colours; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as for <see cref="Render"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="IOException">The file cannot be written: its folder cannot be created, it names a FIFO, device or folder, or writing failed. A symbolic link is written through to its target.</exception>
    public static void SavePng(string path, IReadOnlyList<string> methods, IReadOnlyList<HeatmapRow> rows, HeatmapGridOptions? options = null)
    {
        Drawing.CheckPath(path, nameof(path));
        Drawing.WriteAtomically(path, RenderPng(methods, rows, options));
    }

    private static void Check(IReadOnlyList<string> methods, IReadOnlyList<HeatmapRow> rows, HeatmapGridOptions options)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(rows);
        if (methods.Count == 0)
        {
            throw new ArgumentException("At least one method is needed.", nameof(methods));
        }

        for (var m = 0; m < methods.Count; m++)
        {
            if (methods[m] is null)
            {
                throw new ArgumentException($"methods[{m}] is null.", nameof(methods));
            }
        }

        if (rows.Count == 0)
        {
            throw new ArgumentException("At least one row is needed.", nameof(rows));
        }

        var pixels = options.ImageWidth * options.ImageHeight;
        var shape = $"{options.ImageHeight}×{options.ImageWidth}";
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r] ?? throw new ArgumentException($"rows[{r}] is null.", nameof(rows));
            ArrayChecks.Image(row.Input, pixels, shape, $"rows[{r}].Input", nameof(rows));
            if (row.Maps is null || row.Maps.Count != methods.Count)
            {
                throw new ArgumentException(
                    $"rows[{r}].Maps has {row.Maps?.Count.ToString() ?? "no"} maps; expected {methods.Count}, one per method.", nameof(rows));
            }

            for (var m = 0; m < methods.Count; m++)
            {
                ArrayChecks.Image(row.Maps[m], pixels, shape, $"rows[{r}].Maps[{m}] ({methods[m]})", nameof(rows));
            }
        }
    }

    /// <summary>The suffix of a column whose maps are all drawn from their minimum to their maximum.</summary>
    internal const string MinToMaxMark = " (min–max)";

    /// <summary>The method titles, with <see cref="MinToMaxMark"/> after those whose every map is drawn min to max.</summary>
    internal static IReadOnlyList<string> MarkedTitles(IReadOnlyList<string> methods, MapScale[][] scales) =>
        [.. methods.Select((m, c) => scales.All(r => r[c].OneSigned) ? m + MinToMaxMark : m)];

    /// <summary>Each column's title as one line, or two when it is wider than the column and has a space to split at.</summary>
    private static string[][] ColumnTitles(TextPainter text, IReadOnlyList<string> methods, HeatmapGridOptions options)
    {
        var width = (options.ImageWidth * options.Scale) + options.Gap;
        return [.. methods.Prepend(options.InputColumnTitle).Select(t => text.Wrap(t, width, options.FontSize, bold: true))];
    }

    private static void Paint(
        SKCanvas canvas, TextPainter text, HeatmapLayout layout, string[][] titles, IReadOnlyList<HeatmapRow> rows, MapScale[][] scales, HeatmapGridOptions options)
    {
        var size = options.FontSize;
        if (layout.TitleHeight > 0)
        {
            var box = new SKRect(options.Margin, options.Margin, layout.Width - options.Margin, options.Margin + layout.TitleHeight);
            text.Draw(canvas, options.Title, box, size * 1.3f, SKTextAlign.Center, bold: true);
        }

        // Column titles sit at the bottom of the header band, one text line per band line.
        var line = Drawing.TextBand(size);
        for (var c = 0; c < titles.Length; c++)
        {
            var left = layout.ColumnLeft(c);
            var bottom = layout.HeaderTop + layout.HeaderHeight;
            for (var k = titles[c].Length - 1; k >= 0; k--, bottom -= line)
            {
                var box = new SKRect(left - (options.Gap / 2f), bottom - line, left + layout.CellWidth + (options.Gap / 2f), bottom);
                text.Draw(canvas, titles[c][k], box, size, SKTextAlign.Center, bold: true);
            }
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            var top = layout.RowTop(r);
            if (layout.LabelWidth > 0)
            {
                var box = new SKRect(options.Margin, top, options.Margin + options.RowLabelWidth, top + layout.CellHeight);
                text.Draw(canvas, row.Label, box, size, SKTextAlign.Right);
            }

            Drawing.PaintGray(canvas, row.Input, options.ImageWidth, layout.ColumnLeft(0), top, options.Scale, options.InvertInput);
            Drawing.FrameCell(canvas, layout.ColumnLeft(0), top, layout.CellWidth, layout.CellHeight, options.Gap);
            for (var m = 0; m < row.Maps.Count; m++)
            {
                var left = layout.ColumnLeft(m + 1);
                Drawing.PaintSigned(canvas, row.Maps[m], options.ImageWidth, left, top, options.Scale, options.ColorMap, scales[r][m]);
                Drawing.FrameCell(canvas, left, top, layout.CellWidth, layout.CellHeight, options.Gap);
            }
        }

        if (layout.ColorBarHeight > 0)
        {
            var left = layout.ColumnLeft(1);
            var width = layout.ColumnLeft(titles.Length - 1) + layout.CellWidth - left;
            Drawing.ColorBar(canvas, text, options.ColorMap, left, layout.ColorBarTop, width, size);
        }
    }
}

/// <summary>Where everything of a heatmap grid goes (see <see cref="HeatmapGridOptions"/> for the arithmetic).</summary>
internal sealed record HeatmapLayout(
    int Width, int Height, int Margin, int Gap, int LabelWidth, int TitleHeight, int HeaderHeight,
    int CellWidth, int CellHeight, int Rows, int ColorBarHeight)
{
    public static HeatmapLayout Of(int rows, int methods, bool labels, int headerLines, HeatmapGridOptions o)
    {
        var cellWidth = o.ImageWidth * o.Scale;
        var cellHeight = o.ImageHeight * o.Scale;
        var labelWidth = labels ? o.RowLabelWidth + o.Gap : 0;
        var title = string.IsNullOrEmpty(o.Title) ? 0 : Drawing.TitleBand(o.FontSize);
        var header = headerLines * Drawing.TextBand(o.FontSize);
        var bar = o.ShowColorBar ? Drawing.ColorBarBand(o.FontSize) : 0;
        var columns = methods + 1;
        var width = (2 * o.Margin) + labelWidth + (columns * cellWidth) + ((columns - 1) * o.Gap);
        var height = (2 * o.Margin) + title + header + (rows * cellHeight) + ((rows - 1) * o.Gap) + bar;
        return new HeatmapLayout(width, height, o.Margin, o.Gap, labelWidth, title, header, cellWidth, cellHeight, rows, bar);
    }

    public int HeaderTop => Margin + TitleHeight;

    public int ColumnLeft(int column) => Margin + LabelWidth + (column * (CellWidth + Gap));

    public int RowTop(int row) => HeaderTop + HeaderHeight + (row * (CellHeight + Gap));

    public int ColorBarTop => RowTop(Rows - 1) + CellHeight;
}

/// <summary>
/// How one map's values become positions in <c>[-1, 1]</c> of the colour map. Symmetric: <c>v / High</c>, where
/// High is the <see cref="HeatmapGridOptions.ScalePercentile"/> of |value|. One-signed (all values of one sign,
/// smallest |value| Low &gt; 0, and <see cref="OneSignedScale.MinToMax"/>): <c>sign · (|v| − Low) / (High − Low)</c>,
/// so the map's smallest |value| is neutral and High is the end of its sign's half.
/// </summary>
internal readonly record struct MapScale(double Low, double High, bool OneSigned)
{
    public static MapScale Of(float[] values, HeatmapGridOptions options)
    {
        var high = Drawing.SymmetricScale(values, options.ScalePercentile);
        if (options.OneSignedMaps == OneSignedScale.MinToMax && values.Length > 0)
        {
            var min = values.Min();
            var max = values.Max();
            var low = min >= 0 ? min : max <= 0 ? -max : 0.0;
            if (low > 0 && high > low)
            {
                return new MapScale(low, high, OneSigned: true);
            }
        }

        return new MapScale(0, high, OneSigned: false);
    }

    /// <summary>The value's position in <c>[-1, 1]</c> (clamped by the colour map), or NaN when the map is all zero.</summary>
    public double Position(float value)
    {
        if (High <= Low)
        {
            return double.NaN;
        }

        return OneSigned
            ? Math.Sign(value) * (Math.Abs((double)value) - Low) / (High - Low)
            : value / High;
    }
}
