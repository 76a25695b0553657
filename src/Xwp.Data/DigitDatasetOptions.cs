namespace Xwp;

/// <summary>
/// Options of the typeface-digit datasets (<see cref="Datasets.Tmnist"/>,
/// <see cref="Datasets.TmnistStyle"/>, <see cref="Datasets.EmbeddedTmnistStyle"/> and the fallback
/// chain <see cref="Datasets.TypefaceDigits"/>): the seeded font split and where fonts are found.
/// </summary>
/// <remarks>
/// TMNIST has no official train/test split. Xwp splits it by font, so that no font is in both parts:
/// the distinct font names are sorted, shuffled with <see cref="Seed"/>, and the first
/// round(<see cref="TestFraction"/> × fonts) of them (at least one, and at least one left for
/// training) make up the test part. Rows keep their file order within each part.
/// </remarks>
public sealed record DigitDatasetOptions
{
    /// <summary>The default share of fonts held out for testing: 0.2.</summary>
    public const double DefaultTestFraction = 0.2;

    /// <summary>The default smallest number of rendered digit sets the fallback chain accepts: 200.</summary>
    public const int DefaultMinimumRenderedFonts = 200;

    /// <summary>Share of the fonts held out for the test part, in (0, 1). Default <see cref="DefaultTestFraction"/>.</summary>
    public double TestFraction { get; init; } = DefaultTestFraction;

    /// <summary>Seed of the font split. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Folders searched (recursively) for <c>.ttf</c>, <c>.otf</c>, <c>.ttc</c> and <c>.otc</c> files
    /// when digits are rendered, folder by folder in this order (a face whose digits look the same as
    /// those of a face found before it is skipped). Default null: the Google Fonts npm packages, when
    /// found (<see cref="Datasets.GoogleFontsEnvironmentVariable"/>, else <c>data/fonts/node_modules</c> in
    /// the working directory or a parent, else in the application's folder or a parent), then the
    /// system's font folders (on Linux <c>/usr/share/fonts</c>, <c>/usr/local/share/fonts</c>,
    /// <c>~/.local/share/fonts</c>, <c>~/.fonts</c> and fontconfig's extra folders; on Windows the Fonts
    /// folder; on macOS the Library font folders).
    /// </summary>
    public IReadOnlyList<string>? FontDirectories { get; init; }

    /// <summary>
    /// The fallback chain <see cref="Datasets.TypefaceDigits"/> uses digits rendered from installed
    /// fonts only when they give at least this many distinct digit sets; otherwise it uses the
    /// embedded set. Default <see cref="DefaultMinimumRenderedFonts"/>.
    /// </summary>
    public int MinimumRenderedFonts { get; init; } = DefaultMinimumRenderedFonts;

    /// <summary>
    /// A file in which digits rendered from installed fonts are kept between processes, or null (default) to
    /// render them in every process. The file is reused only while the font files (paths, sizes and
    /// modification times) and the Xwp.Data version are those it was written for and its content is intact
    /// (SHA-256); otherwise the fonts are rendered again and the file rewritten. A file that cannot be
    /// written is skipped. Rendering a few thousand faces takes seconds; reading the file, a fraction of one.
    /// </summary>
    public string? RenderCacheFile { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!(TestFraction > 0 && TestFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TestFraction), TestFraction, "The test fraction must lie strictly between 0 and 1.");
        }

        if (MinimumRenderedFonts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumRenderedFonts), MinimumRenderedFonts, "At least one rendered font is needed.");
        }

        if (FontDirectories is not null && FontDirectories.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentOutOfRangeException(nameof(FontDirectories), "A font folder is null or empty.");
        }
    }
}
