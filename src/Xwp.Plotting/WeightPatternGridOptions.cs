namespace Xwp.Plotting;

/// <summary>
/// How <see cref="WeightPatternGrid"/> lays out and colours its picture. All sizes are in pixels. With n
/// neurons, K = min(n, Columns) tiles per row and R = ⌈n / K⌉ rows, the picture is
/// <c>2·Margin + K·(Scale·ImageWidth) + (K−1)·Gap</c> wide and
/// <c>2·Margin + T + R·(⌈1.6·FontSize⌉ + Scale·ImageHeight) + (R−1)·Gap + B</c> high, where T = <c>⌈2.2·FontSize⌉</c>
/// when there is a title (else 0) and B = <c>⌈0.5·FontSize⌉ + ⌈0.8·FontSize⌉ + ⌈1.6·FontSize⌉</c> with the colour
/// bar (else 0). Each tile's label ("#index") sits in the band above it.
/// </summary>
public sealed record WeightPatternGridOptions
{
    /// <summary>Width of a neuron's weight image; ImageWidth × ImageHeight must equal the number of inputs. Default 28.</summary>
    public int ImageWidth { get; init; } = 28;

    /// <summary>Height of a neuron's weight image. Default 28.</summary>
    public int ImageHeight { get; init; } = 28;

    /// <summary>How many picture pixels (per side) each weight becomes, by nearest-neighbour upscaling; 1–32. Default 3.</summary>
    public int Scale { get; init; } = 3;

    /// <summary>Most tiles per row; 1–100. Default 10.</summary>
    public int Columns { get; init; } = 10;

    /// <summary>Space between tiles; 0–200. A one-pixel grey frame is drawn around each tile when the gap is at least 2. Default 6.</summary>
    public int Gap { get; init; } = 6;

    /// <summary>Space around the whole picture; 0–500. Default 10.</summary>
    public int Margin { get; init; } = 10;

    /// <summary>Text size of the tile labels and colour bar (the title is 1.3× larger); 4–200. Default 12.</summary>
    public float FontSize { get; init; } = 12f;

    /// <summary>Title over the whole grid; null or empty for none. Default "First-layer weight patterns".</summary>
    public string? Title { get; init; } = "First-layer weight patterns";

    /// <summary>The colour map of the weights. Default <see cref="DivergingColorMap.BlueWhiteRed"/>.</summary>
    public DivergingColorMap ColorMap { get; init; } = DivergingColorMap.BlueWhiteRed;

    /// <summary>Each tile is scaled symmetrically by this percentile of its own |weights| (100, the default, is the largest |weight|); in (0, 100].</summary>
    public double ScalePercentile { get; init; } = 100.0;

    /// <summary>Draw a colour bar (−max |value| … 0 … +max |value|) under the tiles. Default true.</summary>
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
        OptionChecks.InRange(Columns, 1, 100, nameof(Columns));
        OptionChecks.InRange(Gap, 0, 200, nameof(Gap));
        OptionChecks.InRange(Margin, 0, 500, nameof(Margin));
        OptionChecks.FontSize(FontSize, nameof(FontSize));
        OptionChecks.NotNull(ColorMap, nameof(ColorMap));
        OptionChecks.Percentile(ScalePercentile, nameof(ScalePercentile));
        OptionChecks.FontFile(FontFile, nameof(FontFile));
    }
}
