namespace Xwp.Plotting;

/// <summary>How <see cref="DeletionCurvePlot"/> draws its chart.</summary>
public sealed record DeletionCurvePlotOptions
{
    /// <summary>Title over the chart; null or empty for none. Default "Deletion curves".</summary>
    public string? Title { get; init; } = "Deletion curves";

    /// <summary>Label of the x axis. Default "Fraction of features removed".</summary>
    public string XLabel { get; init; } = "Fraction of features removed";

    /// <summary>Label of the y axis. Default "Target class probability".</summary>
    public string YLabel { get; init; } = "Target class probability";

    /// <summary>Width of the picture in pixels; 200–8000. Default 1000 (with the zoom panel: 40% for all steps, 60% for the zoom and the legend).</summary>
    public int Width { get; init; } = 1000;

    /// <summary>Height of the picture in pixels; 150–8000. Default 500.</summary>
    public int Height { get; init; } = 500;

    /// <summary>Lower end of the y axis; null to fit the data. Default 0 (probabilities).</summary>
    public double? YMin { get; init; } = 0.0;

    /// <summary>Upper end of the y axis; null to fit the data. Default 1 (probabilities).</summary>
    public double? YMax { get; init; } = 1.0;

    /// <summary>
    /// The right end of the zoom panel's x axis, in (0, 1): a second panel shows the curves over [0, ZoomTo], where
    /// good maps make them fall, and the first panel shades that range; null for one panel over [0, 1]. Default 0.2.
    /// </summary>
    public double? ZoomTo { get; init; } = 0.2;

    /// <summary>Give each method's area under its curve in the legend, e.g. <c>XWP (AUC 0.023)</c>. Default true.</summary>
    public bool ShowAuc { get; init; } = true;

    /// <summary>Width of each curve's line; 0.5–20. Default 2.</summary>
    public float LineWidth { get; init; } = 2f;

    /// <summary>Text size of the axis labels and legend (the title is 1.3× larger, tick labels 0.85×); 4–200. Default 14.</summary>
    public float FontSize { get; init; } = 14f;

    /// <summary>A TrueType/OpenType file for the text; null (default) uses <see cref="PlotFonts.DefaultFontFile"/>.</summary>
    public string? FontFile { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        OptionChecks.NotNull(XLabel, nameof(XLabel));
        OptionChecks.NotNull(YLabel, nameof(YLabel));
        OptionChecks.InRange(Width, 200, 8000, nameof(Width));
        OptionChecks.InRange(Height, 150, 8000, nameof(Height));
        if (YMin is { } min)
        {
            OptionChecks.InRange(min, double.MinValue, double.MaxValue, nameof(YMin));
        }

        if (YMax is { } max)
        {
            OptionChecks.InRange(max, double.MinValue, double.MaxValue, nameof(YMax));
            if (YMin is { } lower && max <= lower)
            {
                throw new ArgumentOutOfRangeException(nameof(YMax), max, $"YMax must be greater than YMin ({lower}).");
            }
        }

        if (ZoomTo is { } zoom && !(zoom > 0 && zoom < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ZoomTo), zoom, "ZoomTo must be in (0, 1), or null for no zoom panel.");
        }

        OptionChecks.InRange(LineWidth, 0.5, 20.0, nameof(LineWidth));
        OptionChecks.FontSize(FontSize, nameof(FontSize));
        OptionChecks.FontFile(FontFile, nameof(FontFile));
    }
}
