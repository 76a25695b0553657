using ScottPlot;

namespace Xwp.Plotting;

/// <summary>
/// A grouped bar chart of one value per named feature for each of several attribution methods, e.g. the mean
/// attribution of a tabular model's inputs (one group of bars per feature, one colour per method, a zero line).
/// Drawn with ScottPlot.
/// </summary>
public static class FeatureBarChart
{
    /// <summary>Draws the chart and returns it as PNG bytes.</summary>
    /// <param name="features">The feature names, one per bar group, in the order of every method's values.</param>
    /// <param name="valuesByMethod">Method name → one finite value per feature.</param>
    /// <param name="title">A title over the chart; null for none.</param>
    /// <param name="yLabel">The value axis' label.</param>
    /// <param name="width">Width in pixels, 200 to 4000.</param>
    /// <param name="height">Height in pixels, 150 to 4000.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="title"/> is null.</exception>
    /// <exception cref="ArgumentException">No features or methods, a repeated method, or a method whose values are not one finite value per feature.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is out of range.</exception>
    public static byte[] RenderPng(IReadOnlyList<string> features, IEnumerable<KeyValuePair<string, double[]>> valuesByMethod, string? title = null, string yLabel = "mean attribution", int width = 900, int height = 450)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(valuesByMethod);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 4000);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 150);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 4000);
        if (features.Count == 0)
        {
            throw new ArgumentException("At least one feature is needed.", nameof(features));
        }

        var methods = valuesByMethod.ToList();
        if (methods.Count == 0)
        {
            throw new ArgumentException("At least one method is needed.", nameof(valuesByMethod));
        }

        if (methods.Select(m => m.Key).Distinct(StringComparer.Ordinal).Count() != methods.Count)
        {
            throw new ArgumentException("A method appears twice.", nameof(valuesByMethod));
        }

        foreach (var (name, values) in methods)
        {
            if (values is null || values.Length != features.Count || values.Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException($"The method '{name}' needs one finite value per feature ({features.Count}).", nameof(valuesByMethod));
            }
        }

        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var groupWidth = 0.8;
        var barWidth = groupWidth / methods.Count;
        for (var m = 0; m < methods.Count; m++)
        {
            var color = palette.GetColor(m);
            var bars = methods[m].Value.Select((v, f) => new Bar
            {
                Position = f - (groupWidth / 2) + ((m + 0.5) * barWidth),
                Value = v,
                Size = barWidth * 0.95,
                FillColor = color,
            }).ToArray();
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = methods[m].Key, FillColor = color });
        }

        plot.Add.HorizontalLine(0, 1, Colors.Black);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var f = 0; f < features.Count; f++)
        {
            ticks.AddMajor(f, features[f]);
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.YLabel(yLabel);
        if (!string.IsNullOrEmpty(title))
        {
            plot.Title(title);
        }

        if (PlotFonts.RegisterWithScottPlot(null) is { } font)
        {
            plot.Font.Set(font);
            plot.Legend.FontName = font;
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Draws the chart and writes it as a PNG file (through a temporary file, creating the folder when needed).</summary>
    /// <param name="path">The PNG file to write; replaced when it exists.</param>
    /// <param name="features">The feature names.</param>
    /// <param name="valuesByMethod">Method name → one finite value per feature.</param>
    /// <param name="title">A title over the chart; null for none.</param>
    /// <param name="yLabel">The value axis' label.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="title"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as for <see cref="RenderPng"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void SavePng(string path, IReadOnlyList<string> features, IEnumerable<KeyValuePair<string, double[]>> valuesByMethod, string? title = null, string yLabel = "mean attribution")
    {
        Drawing.CheckPath(path, nameof(path));
        Drawing.WriteAtomically(path, RenderPng(features, valuesByMethod, title, yLabel));
    }
}
