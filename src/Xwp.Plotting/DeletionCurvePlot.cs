using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>
/// Mean deletion curves, one line per attribution method, like Figure 4 of the XWP paper (Explainable
/// Weight Perturbation): x is the fraction of features removed, from 0
/// to 1, y the model's output for the target class (by default a probability). A curve of n points is
/// drawn at x = i / (n − 1), i = 0 … n − 1; curves may have different lengths. Good maps make the curves
/// fall within the first few percent, so by default a second panel repeats them over
/// <c>[0, <see cref="DeletionCurvePlotOptions.ZoomTo"/>]</c> (shaded in the first). Each legend entry gives
/// the area under its curve (see <see cref="Auc"/>). Lines appear in the order the methods are enumerated,
/// in the ten distinct colours of the Tableau 10 palette, with solid, dashed and dotted lines taking turns
/// so that neighbours differ in two ways (see <see cref="Style"/>). Drawn with ScottPlot.
/// </summary>
public static class DeletionCurvePlot
{
    /// <summary>Draws already averaged curves and returns the chart as PNG bytes.</summary>
    /// <param name="curves">Method name → its mean curve (at least 2 points, finite values).</param>
    /// <param name="options">Titles, size and axis range; null for the defaults.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">There are no curves, a name is null or repeated, or a curve is null, shorter than 2 points or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] RenderPng(IEnumerable<KeyValuePair<string, double[]>> curves, DeletionCurvePlotOptions? options = null)
    {
        options ??= new DeletionCurvePlotOptions();
        options.Validate();
        var list = CheckMeans(curves, nameof(curves));
        return Draw(list, options, PlotFonts.RegisterWithScottPlot(options.FontFile), new TextPainter(PlotFonts.Resolve(options.FontFile)));
    }

    /// <summary>Averages each method's per-image curves (see <see cref="Average"/>) and returns the chart as PNG bytes.</summary>
    /// <param name="perImageCurves">Method name → one curve per image (all of a method's curves the same length, at least 2 points).</param>
    /// <param name="options">Titles, size and axis range; null for the defaults.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">There are no methods, a name is null or repeated, a method has no curves, or a curve is null, of another length than the method's first, shorter than 2 points or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] RenderPng(IEnumerable<KeyValuePair<string, double[][]>> perImageCurves, DeletionCurvePlotOptions? options = null)
    {
        options ??= new DeletionCurvePlotOptions();
        options.Validate();
        ArgumentNullException.ThrowIfNull(perImageCurves);
        var means = perImageCurves.Select(p => new KeyValuePair<string, double[]>(
            p.Key, AverageOf(p.Value, $"perImageCurves[\"{p.Key}\"]", nameof(perImageCurves)))).ToList();
        var list = CheckMeans(means, nameof(perImageCurves));
        return Draw(list, options, PlotFonts.RegisterWithScottPlot(options.FontFile), new TextPainter(PlotFonts.Resolve(options.FontFile)));
    }

    /// <summary>Draws already averaged curves and writes the chart as a PNG file (through a temporary file, creating the folder when needed).</summary>
    /// <param name="path">The PNG file to write; replaced when it exists.</param>
    /// <param name="curves">Method name → its mean curve.</param>
    /// <param name="options">Titles, size and axis range; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as for <see cref="RenderPng(IEnumerable{KeyValuePair{string, double[]}}, DeletionCurvePlotOptions?)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="IOException">The file cannot be written: its folder cannot be created, it names a FIFO, device or folder, or writing failed. A symbolic link is written through to its target.</exception>
    public static void SavePng(string path, IEnumerable<KeyValuePair<string, double[]>> curves, DeletionCurvePlotOptions? options = null)
    {
        Drawing.CheckPath(path, nameof(path));
        Drawing.WriteAtomically(path, RenderPng(curves, options));
    }

    /// <summary>Averages per-image curves and writes the chart as a PNG file (through a temporary file, creating the folder when needed).</summary>
    /// <param name="path">The PNG file to write; replaced when it exists.</param>
    /// <param name="perImageCurves">Method name → one curve per image.</param>
    /// <param name="options">Titles, size and axis range; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as for <see cref="RenderPng(IEnumerable{KeyValuePair{string, double[][]}}, DeletionCurvePlotOptions?)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="IOException">The file cannot be written: its folder cannot be created, it names a FIFO, device or folder, or writing failed. A symbolic link is written through to its target.</exception>
    public static void SavePng(string path, IEnumerable<KeyValuePair<string, double[][]>> perImageCurves, DeletionCurvePlotOptions? options = null)
    {
        Drawing.CheckPath(path, nameof(path));
        Drawing.WriteAtomically(path, RenderPng(perImageCurves, options));
    }

    /// <summary>The point-wise mean of curves of equal length.</summary>
    /// <param name="curves">At least one curve; all the same length, at least 2 points, finite values.</param>
    /// <returns>A new array: point i is the mean of the curves' point i.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="curves"/> is null.</exception>
    /// <exception cref="ArgumentException">There are no curves, or a curve is null, of another length than the first, shorter than 2 points or not finite.</exception>
    public static double[] Average(IReadOnlyList<double[]> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        return AverageOf(curves, nameof(curves), nameof(curves));
    }

    private static double[] AverageOf(IReadOnlyList<double[]>? curves, string what, string paramName)
    {
        if (curves is null || curves.Count == 0)
        {
            throw new ArgumentException($"{what} has no curves to average.", paramName);
        }

        ArrayChecks.Curve(curves[0], null, $"{what}[0]", paramName);
        var sum = new double[curves[0].Length];
        for (var c = 0; c < curves.Count; c++)
        {
            ArrayChecks.Curve(curves[c], sum.Length, $"{what}[{c}]", paramName);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += curves[c][i];
            }
        }

        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] /= curves.Count;
        }

        return sum;
    }

    private static List<KeyValuePair<string, double[]>> CheckMeans(IEnumerable<KeyValuePair<string, double[]>> curves, string paramName)
    {
        ArgumentNullException.ThrowIfNull(curves, paramName);
        var list = curves.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one curve is needed.", paramName);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, curve) in list)
        {
            if (name is null)
            {
                throw new ArgumentException("A method name is null.", paramName);
            }

            if (!names.Add(name))
            {
                throw new ArgumentException($"The method '{name}' appears twice.", paramName);
            }

            ArrayChecks.Curve(curve, null, $"{paramName}[\"{name}\"]", paramName);
        }

        return list;
    }

    /// <summary>
    /// The area under a curve by the trapezoid rule over x = i / (n − 1) in [0, 1]. For a mean deletion
    /// curve this is the mean of the per-image Deletion AUCs (the rule is linear), the number in the legend.
    /// </summary>
    /// <param name="curve">At least 2 finite points.</param>
    /// <returns>The area.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="curve"/> is null.</exception>
    /// <exception cref="ArgumentException">The curve is shorter than 2 points or not finite.</exception>
    public static double Auc(IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var array = curve as double[] ?? [.. curve];
        ArrayChecks.Curve(array, null, nameof(curve), nameof(curve));
        var sum = 0.0;
        for (var i = 0; i + 1 < array.Length; i++)
        {
            sum += (array[i] + array[i + 1]) / 2.0;
        }

        return sum / (array.Length - 1);
    }

    /// <summary>The colour (Tableau 10, in its order) and line pattern (solid, dashed, dotted in turn) of the <paramref name="index"/>-th curve.</summary>
    /// <remarks>The first ten curves have ten different colours; (colour, pattern) pairs repeat only after 30 curves.</remarks>
    internal static (Color Color, LinePattern Pattern) Style(int index)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var pattern = (index % 3) switch
        {
            0 => LinePattern.Solid,
            1 => LinePattern.Dashed,
            _ => LinePattern.Dotted,
        };
        return (palette.GetColor(index), pattern);
    }

    /// <summary>A legend entry: the method's name and, when asked, its AUC to three decimals.</summary>
    internal static string LegendLabel(string name, double[] curve, DeletionCurvePlotOptions options) =>
        options.ShowAuc ? string.Create(CultureInfo.InvariantCulture, $"{name} (AUC {Auc(curve):0.000})") : name;

    /// <summary>
    /// Draws the chart; <paramref name="fontName"/> is the font registered with ScottPlot (null leaves ScottPlot's own),
    /// <paramref name="text"/> draws the title over the panels.
    /// </summary>
    internal static byte[] Draw(IReadOnlyList<KeyValuePair<string, double[]>> curves, DeletionCurvePlotOptions options, string? fontName, TextPainter text)
    {
        var title = string.IsNullOrEmpty(options.Title) ? 0 : Drawing.TitleBand(options.FontSize);
        var height = options.Height - title;
        using var bitmap = Drawing.NewBitmap(options.Width, options.Height, nameof(curves));
        using (var canvas = new SKCanvas(bitmap))
        {
            if (title > 0)
            {
                text.Draw(canvas, options.Title, new SKRect(0, 0, options.Width, title), options.FontSize * 1.3f, SKTextAlign.Center, bold: true);
            }

            if (options.ZoomTo is { } zoom)
            {
                var left = (int)Math.Round(options.Width * 0.4);
                Panel(canvas, curves, options, fontName, 0, title, left, height, xMax: 1, zoom, legend: false, "All steps");
                Panel(canvas, curves, options, fontName, left, title, options.Width - left, height, xMax: zoom, shade: null, legend: true,
                    string.Create(CultureInfo.InvariantCulture, $"Zoom: the first {zoom * 100:0.#}% removed"));
            }
            else
            {
                Panel(canvas, curves, options, fontName, 0, title, options.Width, height, xMax: 1, shade: null, legend: true, subtitle: null);
            }

            canvas.Flush();
        }

        return Drawing.EncodePng(bitmap);
    }

    /// <summary>One ScottPlot panel of the chart over x in [0, <paramref name="xMax"/>], drawn at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    private static void Panel(
        SKCanvas canvas, IReadOnlyList<KeyValuePair<string, double[]>> curves, DeletionCurvePlotOptions options, string? fontName,
        int x, int y, int width, int height, double xMax, double? shade, bool legend, string? subtitle)
    {
        using var plot = new Plot();
        if (shade is { } zoom)
        {
            var span = plot.Add.HorizontalSpan(0, zoom);
            span.FillStyle.Color = Colors.Gray.WithAlpha(0.12);
            span.LineStyle.Width = 0;
        }

        for (var m = 0; m < curves.Count; m++)
        {
            var (name, values) = curves[m];
            var xs = new double[values.Length];
            for (var i = 0; i < xs.Length; i++)
            {
                xs[i] = (double)i / (xs.Length - 1);
            }

            var (color, pattern) = Style(m);
            var line = plot.Add.ScatterLine(xs, (double[])values.Clone(), color);
            line.LegendText = LegendLabel(name, values, options);
            line.LineWidth = options.LineWidth;
            line.LinePattern = pattern;
        }

        if (fontName is not null)
        {
            plot.Font.Set(fontName);
        }

        if (!string.IsNullOrEmpty(subtitle))
        {
            plot.Title(subtitle, options.FontSize);
        }

        plot.XLabel(options.XLabel, options.FontSize);
        if (x == 0)
        {
            plot.YLabel(options.YLabel, options.FontSize);
        }

        plot.Axes.Bottom.TickLabelStyle.FontSize = options.FontSize * 0.85f;
        plot.Axes.Left.TickLabelStyle.FontSize = options.FontSize * 0.85f;
        if (legend)
        {
            plot.Legend.FontSize = options.FontSize;
            plot.ShowLegend(Edge.Right);
        }
        else
        {
            plot.HideLegend();
        }

        plot.Axes.SetLimitsX(0, xMax);
        var (bottom, top) = YRange(curves, options);
        plot.Axes.SetLimitsY(bottom, top);

        using var panel = SKBitmap.Decode(plot.GetImageBytes(width, height, ImageFormat.Png))
            ?? throw new InvalidOperationException("ScottPlot's panel could not be decoded.");
        canvas.DrawBitmap(panel, x, y);
    }

    /// <summary>The y range: the options' ends where given, else the data's range padded by 5% (at least 0.05).</summary>
    internal static (double Bottom, double Top) YRange(IReadOnlyList<KeyValuePair<string, double[]>> curves, DeletionCurvePlotOptions options)
    {
        var low = curves.Min(c => c.Value.Min());
        var high = curves.Max(c => c.Value.Max());
        var pad = Math.Max(0.05, (high - low) * 0.05);
        var bottom = options.YMin ?? (low - pad);
        var top = options.YMax ?? (high + pad);
        if (top <= bottom)
        {
            // Only one end was given and the data lie beyond it: keep the given end, open the other.
            (bottom, top) = options.YMin is null ? (top - pad - (high - low), top) : (bottom, bottom + pad + (high - low));
        }

        return (bottom, top);
    }
}
