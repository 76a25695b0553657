namespace Xwp.Data;

/// <summary>Finds and reads the four Fashion-MNIST IDX files.</summary>
internal static class FashionMnistFiles
{
    public const string EnvironmentVariable = "XWP_FASHION_MNIST";
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The four IDX files, each raw or .gz.</summary>
    private static readonly string[] Stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The folder to read and why: the given path, else the environment variable, else Debian's folder.</summary>
    public static (string Folder, string How) Locate(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            return (RequireFolder(path, "the given path"), "the given path");
        }

        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return (RequireFolder(env, $"{EnvironmentVariable}"), EnvironmentVariable);
        }

        if (Directory.Exists(DebianFolder) && FindPart(DebianFolder, "train-images-idx3-ubyte") is not null)
        {
            return (DebianFolder, "Debian's dataset-fashion-mnist package");
        }

        throw new XwpDataException(
            $"Fashion-MNIST was not found: no path was given, {EnvironmentVariable} is not set, and '{DebianFolder}' has no IDX files. " +
            "On Debian or Ubuntu run 'apt-get install dataset-fashion-mnist'; elsewhere put train-images-idx3-ubyte.gz, " +
            $"train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in a folder and pass it (or set {EnvironmentVariable}).");
    }

    /// <summary>Whether the default locations (environment variable or Debian's folder) hold Fashion-MNIST.</summary>
    public static bool IsAvailable(string? path = null) => Missing(path) is null;

    /// <summary>
    /// Why Fashion-MNIST cannot be read from <paramref name="path"/> (or the default places): the folder problem,
    /// or which of the four files are missing in which folder; null when all four are there.
    /// </summary>
    public static string? Missing(string? path = null)
    {
        string folder;
        try
        {
            (folder, _) = Locate(path);
        }
        catch (XwpDataException e)
        {
            return e.Message;
        }

        var missing = Stems.Where(p => FindPart(folder, p) is null).ToList();
        return missing.Count == 0
            ? null
            : $"'{folder}' has no {string.Join(", ", missing)} (raw or .gz); Fashion-MNIST needs all four of {string.Join(", ", Stems)}.";
    }

    public static LabeledPixels Read(string folder, DatasetSplit split) => split switch
    {
        DatasetSplit.Train => ReadPair(folder, "train"),
        DatasetSplit.Test => ReadPair(folder, "t10k"),
        DatasetSplit.All => LabeledPixels.Concat(ReadPair(folder, "train"), ReadPair(folder, "t10k")),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
    };

    private static LabeledPixels ReadPair(string folder, string prefix)
    {
        var imagesPath = RequirePart(folder, $"{prefix}-images-idx3-ubyte");
        var labelsPath = RequirePart(folder, $"{prefix}-labels-idx1-ubyte");
        var pixels = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        var images = pixels.Length / LabeledPixels.PixelCount;
        if (labels.Length != images)
        {
            throw XwpDataException.InFile(labelsPath, $"{labels.Length} labels, but '{imagesPath}' has {images} images");
        }

        return new LabeledPixels(pixels, labels);
    }

    private static string RequireFolder(string path, string what)
    {
        if (File.Exists(path))
        {
            throw new XwpDataException($"'{path}' ({what}) is a file; give the folder that holds the four Fashion-MNIST IDX files.");
        }

        return Directory.Exists(path)
            ? path
            : throw new XwpDataException($"'{path}' ({what}): folder not found; it should hold the four Fashion-MNIST IDX files.");
    }

    private static string RequirePart(string folder, string stem) =>
        FindPart(folder, stem) ?? throw new XwpDataException(
            $"'{folder}': has neither {stem} nor {stem}.gz (Fashion-MNIST needs train-images-idx3-ubyte, train-labels-idx1-ubyte, " +
            "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, raw or .gz).");

    /// <summary>The raw file if present, else the .gz one, else null.</summary>
    private static string? FindPart(string folder, string stem)
    {
        foreach (var name in new[] { stem, stem + ".gz" })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
