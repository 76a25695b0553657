namespace Xwp.Plotting;

/// <summary>How <see cref="PaperComparisonPlot"/> draws its chart.</summary>
public sealed record PaperComparisonPlotOptions
{
    /// <summary>Title over the panels; null or empty for none. Default "Ours against the paper".</summary>
    public string? Title { get; init; } = "Ours against the paper";

    /// <summary>Label of every x axis. Default "Paper".</summary>
    public string XLabel { get; init; } = "Paper";

    /// <summary>Label of every y axis. Default "Ours".</summary>
    public string YLabel { get; init; } = "Ours";

    /// <summary>Width of the picture in pixels (the panels share it equally); 200–8000. Default 1000.</summary>
    public int Width { get; init; } = 1000;

    /// <summary>Height of the picture in pixels; 150–8000. Default 480.</summary>
    public int Height { get; init; } = 480;

    /// <summary>Diameter of each method's marker in pixels; 2–50. Default 11.</summary>
    public float MarkerSize { get; init; } = 11f;

    /// <summary>Text size of the axis labels, point labels and legend (the title is 1.3× larger); 4–200. Default 14.</summary>
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
        OptionChecks.InRange(MarkerSize, 2.0, 50.0, nameof(MarkerSize));
        OptionChecks.FontSize(FontSize, nameof(FontSize));
        OptionChecks.FontFile(FontFile, nameof(FontFile));
    }
}
