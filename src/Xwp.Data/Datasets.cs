using System.Globalization;
using Xwp.Data;

namespace Xwp;

/// <summary>
/// Loads the datasets of the XWP paper as tensors in one line each: Fashion-MNIST from its IDX
/// files, Typeface-MNIST (TMNIST) from its CSV, TMNIST-style digits rendered from the installed
/// fonts, and a TMNIST-style set embedded in this assembly; <see cref="TypefaceDigits"/> picks the
/// best of the typeface sources that is available, so that a run always has data.
/// </summary>
/// <remarks>
/// Nothing is downloaded. Every problem with a file is an <see cref="XwpDataException"/> that names
/// the file and the problem. The library writes nothing to the console: <see cref="ImageDataset.Source"/>
/// and <see cref="ImageDataset.Notes"/> say what was used and why.
/// </remarks>
public static class Datasets
{
    /// <summary>The environment variable naming a folder with the four Fashion-MNIST IDX files: <c>XWP_FASHION_MNIST</c>.</summary>
    public const string FashionMnistEnvironmentVariable = FashionMnistFiles.EnvironmentVariable;

    /// <summary>The environment variable naming the TMNIST CSV file (<c>TMNIST_Data.csv</c>): <c>XWP_TMNIST</c>.</summary>
    public const string TmnistEnvironmentVariable = TmnistCsvReader.EnvironmentVariable;

    /// <summary>
    /// The environment variable naming the folder of Google Fonts npm packages that
    /// <see cref="TmnistStyle"/> and <see cref="TypefaceDigits"/> render first when no font folders are
    /// given: <c>XWP_GOOGLE_FONTS</c>. Unset, the repository's <c>data/fonts/node_modules</c> (filled by
    /// <c>npm ci</c> in <c>data/fonts</c>) is looked for in the working directory and its parents, then
    /// in the application's folder and its parents.
    /// </summary>
    public const string GoogleFontsEnvironmentVariable = "XWP_GOOGLE_FONTS";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the IDX files: <c>/usr/share/datasets/fashion-mnist</c>.</summary>
    public const string DebianFashionMnistFolder = FashionMnistFiles.DebianFolder;

    /// <summary>Fashion-MNIST's ten class names, indexed by label (0 = T-shirt/top … 9 = Ankle boot).</summary>
    public static IReadOnlyList<string> FashionMnistClassNames => FashionMnistFiles.ClassNames;

    /// <summary>The digit classes "0" … "9".</summary>
    public static IReadOnlyList<string> DigitClassNames { get; } =
        [.. Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture))];

    /// <summary>
    /// Loads Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 60,000 training and 10,000 test images of
    /// clothing, 28×28, ten classes. The IDX files (<c>train-images-idx3-ubyte</c>,
    /// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>,
    /// each raw or <c>.gz</c>) are looked for in <paramref name="path"/> if given, else in the folder
    /// named by <c>XWP_FASHION_MNIST</c>, else in <see cref="DebianFashionMnistFolder"/>.
    /// </summary>
    /// <param name="split">Train (60,000), Test (10,000) or All (training images first).</param>
    /// <param name="path">A folder with the IDX files; null to use the environment variable or Debian's folder.</param>
    /// <returns>The images (float32 [N, 784], pixel / 255) and labels (int64 [N]); dispose it when done.</returns>
    /// <exception cref="XwpDataException">
    /// The files are not found (the message says where it looked and how to get them) or a file is
    /// not a valid IDX file of the expected kind (the message names the file and the problem).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="split"/> is not a defined value.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static ImageDataset FashionMnist(DatasetSplit split, string? path = null)
    {
        CheckSplit(split);
        var (folder, how) = FashionMnistFiles.Locate(path);
        var data = FashionMnistFiles.Read(folder, split);
        return new ImageDataset("Fashion-MNIST", $"Fashion-MNIST IDX files in '{folder}' ({how})", FashionMnistFiles.ClassNames, data);
    }

    /// <summary>
    /// Whether <see cref="FashionMnist"/> would find all four Fashion-MNIST files (in
    /// <paramref name="path"/> if given, else the environment variable's folder or Debian's). Does
    /// not check their contents.
    /// </summary>
    /// <param name="path">A folder to look in; null for the default places.</param>
    /// <returns>True when the four files are there.</returns>
    public static bool IsFashionMnistAvailable(string? path = null) => FashionMnistFiles.IsAvailable(path);

    /// <summary>
    /// Loads Typeface-MNIST (Magre and Brown 2022) from its Kaggle CSV <c>TMNIST_Data.csv</c>: a header
    /// <c>names,labels,1,…,784</c> and one row per image (font name, digit, 784 pixels 0–255, light on
    /// black); 29,900 rows of 2,990 fonts. The file is read line by line; a <c>.gz</c> copy works too.
    /// Train and Test come from the seeded split by font of <paramref name="options"/>.
    /// </summary>
    /// <param name="csvPath">The CSV file.</param>
    /// <param name="split">Which fonts' rows to return (All: every row in file order).</param>
    /// <param name="options">The font split; null for the defaults.</param>
    /// <returns>The images, labels and the font of each row; dispose it when done.</returns>
    /// <exception cref="ArgumentException"><paramref name="csvPath"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option or <paramref name="split"/> is out of range.</exception>
    /// <exception cref="XwpDataException">
    /// The file is missing or malformed: wrong header or missing columns, a row with the wrong
    /// number of fields, a non-numeric cell, a pixel outside 0–255 or a label outside 0–9 (the
    /// message names the file, line and column), or it has fewer than two fonts for a split.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static ImageDataset Tmnist(string csvPath, DatasetSplit split, DigitDatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        CheckSplit(split);
        options = Checked(options);
        return TmnistFrom(csvPath, "the given path", split, options, notes: []);
    }

    /// <summary>
    /// Renders TMNIST-style digits from the fonts installed on this machine — the Google Fonts packages
    /// of <c>data/fonts</c> (see <see cref="GoogleFontsEnvironmentVariable"/>) and the system's fonts — or
    /// in <see cref="DigitDatasetOptions.FontDirectories"/>: digits 0–9 of every usable font face, light
    /// on black, cropped, fitted to 20×20 keeping the aspect ratio and centred by centre of mass in
    /// 28×28 (the TMNIST recipe). Faces whose digits are missing, not distinct from each other, the
    /// same as another face's, or that are symbol, icon or math/TeX fonts are skipped. The result is
    /// the same for the same font files. It is TMNIST-<em>style</em> data, not TMNIST.
    /// </summary>
    /// <param name="split">Which fonts' rows to return (All: faces folder by folder, in path order within each, digits 0–9 each).</param>
    /// <param name="options">Font folders and the font split; null for the defaults.</param>
    /// <returns>The images, labels and the font of each row; <see cref="ImageDataset.Notes"/> says what was skipped.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option or <paramref name="split"/> is out of range.</exception>
    /// <exception cref="XwpDataException">A font folder does not exist, no usable font was found, or a split needs more fonts.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static ImageDataset TmnistStyle(DatasetSplit split, DigitDatasetOptions? options = null)
    {
        CheckSplit(split);
        options = Checked(options);
        var (result, folders) = Render(options);
        if (result.Sets.Count == 0)
        {
            throw new XwpDataException(
                $"No usable font was found in {Folders(folders)} ({result.Faces} faces looked at). Install font packages " +
                "(e.g. fonts-dejavu, fonts-liberation, fonts-roboto) or use the embedded set (Datasets.EmbeddedTmnistStyle).");
        }

        return RenderedDataset(result, folders, split, options, notes: []);
    }

    /// <summary>
    /// The TMNIST-style digit set embedded in this assembly: digits rendered by
    /// <c>xwp data build-embedded</c> from the free fonts listed in the repository's NOTICE (at least
    /// 200 font styles × 10 digits). Available everywhere, without files or fonts.
    /// </summary>
    /// <param name="split">Which fonts' rows to return.</param>
    /// <param name="options">The font split; null for the defaults.</param>
    /// <returns>The images, labels and the font of each row.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option or <paramref name="split"/> is out of range.</exception>
    /// <exception cref="XwpDataException">The assembly was built without the embedded set.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static ImageDataset EmbeddedTmnistStyle(DatasetSplit split, DigitDatasetOptions? options = null)
    {
        CheckSplit(split);
        options = Checked(options);
        return EmbeddedDataset(split, options, notes: []);
    }

    /// <summary>
    /// Typeface digits from the best source available, in this order: the TMNIST CSV at
    /// <paramref name="tmnistCsvPath"/>; else the CSV named by <c>XWP_TMNIST</c>; else TMNIST-style
    /// digits rendered from the installed fonts when they give at least
    /// <see cref="DigitDatasetOptions.MinimumRenderedFonts"/> distinct digit sets; else the embedded
    /// TMNIST-style set. <see cref="ImageDataset.Name"/>, <see cref="ImageDataset.Source"/> and
    /// <see cref="ImageDataset.Notes"/> say which was used and why.
    /// </summary>
    /// <param name="split">Which fonts' rows to return.</param>
    /// <param name="tmnistCsvPath">The TMNIST CSV; null to try <c>XWP_TMNIST</c>, then fonts, then the embedded set.</param>
    /// <param name="options">Font folders, the rendering minimum and the font split; null for the defaults.</param>
    /// <returns>The images, labels and the font of each row.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option or <paramref name="split"/> is out of range.</exception>
    /// <exception cref="XwpDataException">
    /// A CSV that was named (by the argument or <c>XWP_TMNIST</c>) is missing or malformed — a named
    /// file is never silently replaced — or a font folder given in the options or by
    /// <see cref="GoogleFontsEnvironmentVariable"/> does not exist.
    /// </exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static ImageDataset TypefaceDigits(DatasetSplit split, string? tmnistCsvPath = null, DigitDatasetOptions? options = null)
    {
        CheckSplit(split);
        options = Checked(options);
        if (!string.IsNullOrWhiteSpace(tmnistCsvPath))
        {
            return TmnistFrom(tmnistCsvPath, "the given path", split, options, notes: []);
        }

        var env = Environment.GetEnvironmentVariable(TmnistEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return TmnistFrom(env, TmnistEnvironmentVariable, split, options, notes: []);
        }

        var notes = new List<string> { $"No TMNIST CSV was given and {TmnistEnvironmentVariable} is not set." };
        var (result, folders) = Render(options);
        if (result.Sets.Count >= options.MinimumRenderedFonts)
        {
            return RenderedDataset(result, folders, split, options, notes);
        }

        notes.Add($"The fonts in {Folders(folders)} give {result.Sets.Count} distinct digit sets, fewer than the " +
            $"{options.MinimumRenderedFonts} wanted (MinimumRenderedFonts); using the embedded TMNIST-style set instead.");
        return EmbeddedDataset(split, options, notes);
    }

    private static ImageDataset TmnistFrom(string path, string how, DatasetSplit split, DigitDatasetOptions options, List<string> notes)
    {
        var data = TmnistCsvReader.Read(path);
        var summary = $"{data.Fonts!.Distinct(StringComparer.Ordinal).Count()} fonts";
        return new ImageDataset("TMNIST", $"TMNIST CSV '{path}' ({how}; {summary}){SplitText(split, options)}", DigitClassNames,
            FontSplit.Apply(data, split, options.TestFraction, options.Seed), notes);
    }

    private static (FontRenderResult Result, IReadOnlyList<string> Folders) Render(DigitDatasetOptions options)
    {
        var folders = options.FontDirectories ?? FontFiles.DefaultFolders();
        return (FontDigitRenderer.RenderFolders(folders, cacheFile: options.RenderCacheFile), folders);
    }

    private static ImageDataset RenderedDataset(FontRenderResult result, IReadOnlyList<string> folders, DatasetSplit split,
        DigitDatasetOptions options, List<string> notes)
    {
        if (result.CacheNote is not null)
        {
            notes.Add(result.CacheNote);
        }

        var skipped = result.SkippedByReason();
        if (skipped.Count > 0)
        {
            notes.Add($"Skipped {result.Skipped.Count} of {result.Faces} font faces: " +
                string.Join(", ", skipped.Select(s => $"{s.Count} {s.Reason}")) + ".");
        }

        var unreadable = result.Unreadable();
        if (unreadable.Count > 0)
        {
            const int shown = 5;
            notes.Add($"Not readable as fonts (corrupt or not font files; the other files were rendered): " +
                string.Join(", ", unreadable.Take(shown).Select(f => $"'{f}'")) +
                (unreadable.Count > shown ? $" and {unreadable.Count - shown} more." : "."));
        }

        var source = $"TMNIST-style digits rendered from installed fonts in {Folders(folders)}: " +
            $"{result.Sets.Count} distinct digit sets from {result.Families} font families{SplitText(split, options)}";
        return new ImageDataset("TMNIST-style", source, DigitClassNames,
            FontSplit.Apply(DigitSet.ToLabeledPixels(result.Sets), split, options.TestFraction, options.Seed), notes);
    }

    private static ImageDataset EmbeddedDataset(DatasetSplit split, DigitDatasetOptions options, List<string> notes)
    {
        var sets = EmbeddedDigits.Load();
        var families = sets.Select(s => s.Family).Distinct(StringComparer.Ordinal).Count();
        var source = $"TMNIST-style digits embedded in Xwp.Data: {sets.Count} distinct digit sets from {families} font families " +
            $"(rendered by 'xwp data build-embedded'; fonts and licences in NOTICE){SplitText(split, options)}";
        return new ImageDataset("TMNIST-style", source, DigitClassNames,
            FontSplit.Apply(DigitSet.ToLabeledPixels(sets), split, options.TestFraction, options.Seed), notes);
    }

    private static string SplitText(DatasetSplit split, DigitDatasetOptions options) => split == DatasetSplit.All
        ? string.Empty
        : string.Create(CultureInfo.InvariantCulture,
            $"; {(split == DatasetSplit.Train ? "training" : "test")} fonts of the split by font (test fraction {options.TestFraction}, seed {options.Seed})");

    private static string Folders(IReadOnlyList<string> folders) =>
        folders.Count == 0 ? "no font folder (none of the system's exists)" : string.Join(", ", folders.Select(f => $"'{f}'"));

    private static DigitDatasetOptions Checked(DigitDatasetOptions? options)
    {
        options ??= new DigitDatasetOptions();
        options.Validate();
        return options;
    }

    private static void CheckSplit(DatasetSplit split)
    {
        if (!Enum.IsDefined(split))
        {
            throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split.");
        }
    }
}
