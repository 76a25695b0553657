using ScottPlot;
using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>
/// Our values of a results table against a published one, one panel per metric: each method is a marker at
/// (published value, our value), labelled with its name, and the dashed line y = x marks perfect agreement —
/// a marker above the line means we measured more than the paper, below it less. Both axes of a panel share
/// one range (see <see cref="Range"/>), so distances to the line read the same in x and y. Markers take the
/// colours of <see cref="DeletionCurvePlot"/>, method by method. Drawn with ScottPlot.
/// </summary>
public static class PaperComparisonPlot
{
    /// <summary>Draws the panels side by side and returns the chart as PNG bytes.</summary>
    /// <param name="labels">The methods' names, one per value of every panel; none null or repeated.</param>
    /// <param name="panels">At least one panel; each with one published and one own value per label, all finite.</param>
    /// <param name="options">Titles, size, marker and text size; null for the defaults.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">There are no labels or panels, a label is null or repeated, or a panel is null, has another number of values than labels, or holds NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] RenderPng(IReadOnlyList<string> labels, IReadOnlyList<PaperComparisonPanel> panels, PaperComparisonPlotOptions? options = null)
    {
        options ??= new PaperComparisonPlotOptions();
        options.Validate();
        Check(labels, panels);
        var fontName = PlotFonts.RegisterWithScottPlot(options.FontFile);
        var text = new TextPainter(PlotFonts.Resolve(options.FontFile));
        var title = string.IsNullOrEmpty(options.Title) ? 0 : Drawing.TitleBand(options.FontSize);
        using var bitmap = Drawing.NewBitmap(options.Width, options.Height, nameof(panels));
        using (var canvas = new SKCanvas(bitmap))
        {
            if (title > 0)
            {
                text.Draw(canvas, options.Title, new SKRect(0, 0, options.Width, title), options.FontSize * 1.3f, SKTextAlign.Center, bold: true);
            }

            var width = options.Width / panels.Count;
            for (var p = 0; p < panels.Count; p++)
            {
                Panel(canvas, labels, panels[p], options, fontName, p * width, title, width, options.Height - title, legend: p == panels.Count - 1);
            }

            canvas.Flush();
        }

        return Drawing.EncodePng(bitmap);
    }

    /// <summary>Draws the chart and writes it as a PNG file (through a temporary file, creating the folder when needed).</summary>
    /// <param name="path">The PNG file to write; replaced when it exists.</param>
    /// <param name="labels">The methods' names.</param>
    /// <param name="panels">The panels.</param>
    /// <param name="options">Titles, size, marker and text size; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as for <see cref="RenderPng"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void SavePng(string path, IReadOnlyList<string> labels, IReadOnlyList<PaperComparisonPanel> panels, PaperComparisonPlotOptions? options = null)
    {
        Drawing.CheckPath(path, nameof(path));
        Drawing.WriteAtomically(path, RenderPng(labels, panels, options));
    }

    /// <summary>
    /// The range both axes of a panel show: from the smallest to the largest of all its values (published and ours),
    /// widened on each side by 8% of that span, at least 0.02.
    /// </summary>
    /// <param name="panel">A panel with finite values.</param>
    /// <returns>The lower and upper end.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="panel"/> is null.</exception>
    public static (double Low, double High) Range(PaperComparisonPanel panel)
    {
        ArgumentNullException.ThrowIfNull(panel);
        var all = panel.Reference.Concat(panel.Values).ToList();
        var (low, high) = (all.Min(), all.Max());
        var pad = Math.Max(0.02, 0.08 * (high - low));
        return (low - pad, high + pad);
    }

    private static void Panel(
        SKCanvas canvas, IReadOnlyList<string> labels, PaperComparisonPanel panel, PaperComparisonPlotOptions options, string? fontName,
        int x, int y, int width, int height, bool legend)
    {
        using var plot = new Plot();
        var (low, high) = Range(panel);
        var diagonal = plot.Add.Line(low, low, high, high);
        diagonal.LineColor = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LineWidth = 1.5f;
        diagonal.LegendText = "y = x";
        for (var m = 0; m < labels.Count; m++)
        {
            var (color, _) = DeletionCurvePlot.Style(m);
            var marker = plot.Add.Marker(panel.Reference[m], panel.Values[m], MarkerShape.FilledCircle, options.MarkerSize, color);
            marker.LegendText = labels[m];
            var label = plot.Add.Text(labels[m], panel.Reference[m], panel.Values[m]);
            label.LabelFontSize = options.FontSize * 0.8f;
            label.LabelFontColor = color;
            label.LabelOffsetX = options.MarkerSize * 0.7f;
            label.LabelOffsetY = -options.MarkerSize * 0.7f;
        }

        if (fontName is not null)
        {
            plot.Font.Set(fontName);
        }

        plot.Title(panel.Title, options.FontSize);
        plot.XLabel(options.XLabel, options.FontSize);
        plot.YLabel(options.YLabel, options.FontSize);
        plot.Axes.Bottom.TickLabelStyle.FontSize = options.FontSize * 0.85f;
        plot.Axes.Left.TickLabelStyle.FontSize = options.FontSize * 0.85f;
        if (legend)
        {
            plot.Legend.FontSize = options.FontSize * 0.85f;
            plot.ShowLegend(Edge.Right);
        }
        else
        {
            plot.HideLegend();
        }

        plot.Axes.SetLimits(low, high, low, high);
        using var image = SKBitmap.Decode(plot.GetImageBytes(width, height, ImageFormat.Png))
            ?? throw new InvalidOperationException("ScottPlot's panel could not be decoded.");
        canvas.DrawBitmap(image, x, y);
    }

    private static void Check(IReadOnlyList<string> labels, IReadOnlyList<PaperComparisonPanel> panels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(panels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("At least one method is needed.", nameof(labels));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            if (label is null || !names.Add(label))
            {
                throw new ArgumentException(label is null ? "A method name is null." : $"The method '{label}' appears twice.", nameof(labels));
            }
        }

        if (panels.Count == 0)
        {
            throw new ArgumentException("At least one panel is needed.", nameof(panels));
        }

        for (var p = 0; p < panels.Count; p++)
        {
            var panel = panels[p] ?? throw new ArgumentException($"Panel {p} is null.", nameof(panels));
            foreach (var (values, what) in new[] { (panel.Reference, "published"), (panel.Values, "own") })
            {
                if (values is null || values.Count != labels.Count)
                {
                    throw new ArgumentException($"Panel {p} ('{panel.Title}') has {values?.Count ?? 0} {what} values; expected one per method ({labels.Count}).", nameof(panels));
                }

                var bad = values.Select((v, i) => (v, i)).FirstOrDefault(t => !double.IsFinite(t.v), (0, -1));
                if (bad.Item2 >= 0)
                {
                    throw new ArgumentException($"Panel {p} ('{panel.Title}'): the {what} value of '{labels[bad.Item2]}' is {bad.Item1}; values must be finite.", nameof(panels));
                }
            }
        }
    }
}
