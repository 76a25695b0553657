namespace Xwp.Plotting;

/// <summary>
/// How <see cref="HeatmapGrid"/> lays out and colours its picture. All sizes are in pixels. The picture is
/// <c>2·Margin + L + C·(Scale·ImageWidth) + (C−1)·Gap</c> wide, where C = methods + 1 (the input column) and
/// L = <c>RowLabelWidth + Gap</c> when some row has a label (else 0), and
/// <c>2·Margin + T + H·⌈1.6·FontSize⌉ + R·(Scale·ImageHeight) + (R−1)·Gap + B</c> high, where R = rows,
/// H = 2 when a column title is wider than its column (cell plus gap) and is split at a space onto two lines (else 1),
/// T = <c>⌈2.2·FontSize⌉</c> when there is a title (else 0) and B = <c>⌈0.5·FontSize⌉ + ⌈0.8·FontSize⌉ + ⌈1.6·FontSize⌉</c>
/// with the colour bar (else 0).
/// </summary>
public sealed record HeatmapGridOptions
{
    /// <summary>Width of each input image and map, in pixels of the data. Default 28 (MNIST).</summary>
    public int ImageWidth { get; init; } = 28;

    /// <summary>Height of each input image and map, in pixels of the data. Default 28 (MNIST).</summary>
    public int ImageHeight { get; init; } = 28;

    /// <summary>How many picture pixels (per side) each data pixel becomes, by nearest-neighbour upscaling; 1–32. Default 4.</summary>
    public int Scale { get; init; } = 4;

    /// <summary>Space between cells; 0–200. A one-pixel grey frame is drawn around each cell when the gap is at least 2. Default 6.</summary>
    public int Gap { get; init; } = 6;

    /// <summary>Space around the whole picture; 0–500. Default 10.</summary>
    public int Margin { get; init; } = 10;

    /// <summary>Text size of column titles, row labels and the colour bar (the title is 1.3× larger); 4–200. Default 14.</summary>
    public float FontSize { get; init; } = 14f;

    /// <summary>Title over the whole grid; null or empty (default) for none.</summary>
    public string? Title { get; init; }

    /// <summary>Title of the first column, the input images. Default "Input".</summary>
    public string InputColumnTitle { get; init; } = "Input";

    /// <summary>Width of the row label column (used only when some row has a label); 0–2000. Default 110.</summary>
    public int RowLabelWidth { get; init; } = 110;

    /// <summary>The colour map of the attribution maps. Default <see cref="DivergingColorMap.BlueWhiteRed"/>.</summary>
    public DivergingColorMap ColorMap { get; init; } = DivergingColorMap.BlueWhiteRed;

    /// <summary>
    /// Each map is scaled symmetrically by this percentile of its own |values|: 100 (default) scales by the
    /// largest |value|, so −max and +max reach the ends of the colour map; a lower value (e.g. 99)
    /// saturates the few largest values so that the rest stay visible. In (0, 100].
    /// </summary>
    public double ScalePercentile { get; init; } = 100.0;

    /// <summary>
    /// How a map whose values all have one sign, none of them zero, is coloured (e.g. RISE's maps, which are all
    /// positive). Default <see cref="OneSignedScale.MinToMax"/>: from the map's minimum (white) to its maximum.
    /// </summary>
    public OneSignedScale OneSignedMaps { get; init; } = OneSignedScale.MinToMax;

    /// <summary>Draw input images with 0 white and 1 black instead of 0 black and 1 white. Default false.</summary>
    public bool InvertInput { get; init; }

    /// <summary>Draw a colour bar (−max |value| … 0 … +max |value|) under the map columns. Default true.</summary>
    public bool ShowColorBar { get; init; } = true;

    /// <summary>A TrueType/OpenType file for the text; null (default) uses <see cref="PlotFonts.DefaultFontFile"/>.</summary>
    public string? FontFile { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        OptionChecks.InRange(ImageWidth, 1, 1024, nameof(ImageWidth));
        OptionChecks.InRange(ImageHeight, 1, 1024, nameof(ImageHeight));
        OptionChecks.InRange(Scale, 1, 32, nameof(Scale));
        OptionChecks.InRange(Gap, 0, 200, nameof(Gap));
        OptionChecks.InRange(Margin, 0, 500, nameof(Margin));
        OptionChecks.FontSize(FontSize, nameof(FontSize));
        OptionChecks.NotNull(InputColumnTitle, nameof(InputColumnTitle));
        OptionChecks.InRange(RowLabelWidth, 0, 2000, nameof(RowLabelWidth));
        OptionChecks.NotNull(ColorMap, nameof(ColorMap));
        OptionChecks.Percentile(ScalePercentile, nameof(ScalePercentile));
        if (!Enum.IsDefined(OneSignedMaps))
        {
            throw new ArgumentOutOfRangeException(nameof(OneSignedMaps), OneSignedMaps, "Not a OneSignedScale value.");
        }

        OptionChecks.FontFile(FontFile, nameof(FontFile));
    }
}
