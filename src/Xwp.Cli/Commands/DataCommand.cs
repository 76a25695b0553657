using System.Globalization;
using Xwp.Data;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp data`: export a dataset as .npy files, describe a dataset, or build the embedded
/// TMNIST-style set.
/// </summary>
internal sealed class DataCommand(TextWriter? output = null) : ICommand
{
    private static readonly Dictionary<string, string> DatasetNames = new(StringComparer.Ordinal)
    {
        ["fashion-mnist"] = "fashion-mnist",
        ["tmnist"] = "tmnist",
        ["tmnist-style"] = "tmnist-style",
        ["embedded"] = "embedded",
    };

    private static readonly Dictionary<string, DatasetSplit> Splits = new(StringComparer.Ordinal)
    {
        ["train"] = DatasetSplit.Train,
        ["test"] = DatasetSplit.Test,
        ["all"] = DatasetSplit.All,
    };

    private readonly TextWriter _out = output ?? Console.Out;

    public string Name => "data";

    public string Summary => "Export or describe Fashion-MNIST, TMNIST and TMNIST-style digits.";

    public string Usage => """
        Usage: xwp data export --dataset DATASET --split train|test|all [--limit N] [--path P]
                               --inputs-out X.npy --targets-out Y.npy [--seed S] [--test-fraction F]
               xwp data info --dataset DATASET [--path P] [--seed S] [--test-fraction F]
               xwp data build-embedded --out FILE.xwpd.gz [--path FONTDIR] [--fonts-list FONTS.tsv] [--notice NOTICE]

          --dataset        fashion-mnist  Fashion-MNIST IDX files: --path folder, else $XWP_FASHION_MNIST,
                                          else /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
                           tmnist         TMNIST CSV (TMNIST_Data.csv): --path file, else $XWP_TMNIST; when neither
                                          is given, TMNIST-style digits rendered from the installed fonts if they give
                                          at least 200 distinct digit sets, else the embedded TMNIST-style set
                           tmnist-style   digits rendered from the installed fonts: the Google Fonts packages of
                                          $XWP_GOOGLE_FONTS or data/fonts/node_modules ('npm ci' in data/fonts), then
                                          the system's fonts (--path: a font folder instead)
                           embedded       the TMNIST-style set embedded in Xwp.Data
          --split          train or test (Fashion-MNIST's files; for font data the seeded split by font), or all
          --limit          keep only the first N rows of the split, in file order
          --inputs-out     float32 [N, 784], pixel / 255
          --targets-out    int64 [N], the class of each row
          --seed, --test-fraction   the split by font (defaults 0 and 0.2)

        build-embedded renders the installed fonts (or --path) into the embedded set's format and writes
        the list of fonts with their npm or Debian packages and licences (--fonts-list, --notice).
        """;

    public int Run(Arguments args)
    {
        var verb = args.Verb();
        return verb switch
        {
            "export" => Export(args),
            "info" => Info(args),
            "build-embedded" => BuildEmbedded(args),
            null => throw new UsageException("Say what to do: export, info or build-embedded."),
            _ => throw new UsageException($"Unknown data command '{verb}'; use export, info or build-embedded."),
        };
    }

    private int Export(Arguments args)
    {
        var dataset = Dataset(args);

        _ = args.Required("split");
        var split = args.Choice("split", DatasetSplit.All, Splits);
        var limit = args.Int("limit", int.MaxValue, min: 1);
        var path = args.Optional("path");
        var inputsOut = args.Required("inputs-out");
        var targetsOut = args.Required("targets-out");
        var options = SplitOptions(args);
        args.RejectUnknown();
        OutputPaths.CheckFiles(("inputs-out", inputsOut), ("targets-out", targetsOut));

        using var data = Load(dataset, split, path, options);
        Describe(data, brief: true);
        var n = Math.Min(limit, data.Count);
        using (var scope = NewDisposeScope())
        {
            // Both files or neither: a failure on the second never leaves a new first beside an old second.
            NpyFile.WriteAll([(inputsOut, data.Images.narrow(0, 0, n)), (targetsOut, data.Labels.narrow(0, 0, n))]);
        }

        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {n} rows: '{inputsOut}' (float32 [{n}, 784]) and '{targetsOut}' (int64 [{n}])."));
        return 0;
    }

    private int Info(Arguments args)
    {
        var dataset = Dataset(args);

        var path = args.Optional("path");
        var options = SplitOptions(args);
        args.RejectUnknown();

        if (dataset == "fashion-mnist")
        {
            using var train = Load(dataset, DatasetSplit.Train, path, options);
            using var test = Load(dataset, DatasetSplit.Test, path, options);
            Describe(train, brief: false, "train");
            Describe(test, brief: false, "test");
            return 0;
        }

        using var all = Load(dataset, DatasetSplit.All, path, options);
        Describe(all, brief: false);
        if (all.Fonts is not null && all.FontCount is >= 2)
        {
            var test = FontSplit.TestFonts(all.Fonts, options.TestFraction, options.Seed);
            var testImages = all.Fonts.Count(test.Contains);
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Split by font (test fraction {options.TestFraction}, seed {options.Seed}): train {all.FontCount - test.Count} fonts, " +
                $"{all.Count - testImages} images; test {test.Count} fonts, {testImages} images"));
        }

        return 0;
    }

    private int BuildEmbedded(Arguments args)
    {
        var outPath = args.Required("out");
        var path = args.Optional("path");
        var fontsList = args.Optional("fonts-list");
        var notice = args.Optional("notice");
        args.RejectUnknown();
        OutputPaths.CheckFiles(("out", outPath), ("fonts-list", fontsList), ("notice", notice));

        var folders = path is null ? FontFiles.DefaultFolders() : [path];
        var result = FontDigitRenderer.RenderFolders(folders);
        if (result.Sets.Count < DigitDatasetOptions.DefaultMinimumRenderedFonts)
        {
            throw new InvalidOperationException(
                $"Only {result.Sets.Count} distinct digit sets were rendered from {string.Join(", ", folders)}; the embedded set needs at least " +
                $"{DigitDatasetOptions.DefaultMinimumRenderedFonts}. Install the font packages listed in .ci/run and run 'npm ci' in data/fonts first.");
        }

        Xwp.IO.AtomicFile.Write(outPath, stream => EmbeddedDigits.Write(stream, result.Sets));

        var size = new FileInfo(outPath).Length;
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote '{outPath}': {result.Sets.Count} distinct digit sets from {result.Families} font families, {size:N0} bytes."));
        foreach (var (reason, count) in result.SkippedByReason())
        {
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  skipped {count}: {reason}"));
        }

        if (fontsList is not null || notice is not null)
        {
            var licences = FontLicences.Describe(result.Sets);
            if (fontsList is not null)
            {
                Xwp.IO.AtomicFile.WriteText(fontsList, FontLicences.FontsTable(result.Sets, licences));
                _out.WriteLine($"Wrote '{fontsList}'.");
            }

            if (notice is not null)
            {
                Xwp.IO.AtomicFile.WriteText(notice, FontLicences.Notice(result.Sets, licences));
                _out.WriteLine($"Wrote '{notice}'.");
            }
        }

        return 0;
    }

    private static string Dataset(Arguments args) => args.Choice("dataset", string.Empty, DatasetNames) switch
    {
        "" => throw new UsageException("--dataset is required."),
        var name => name,
    };

    private static ImageDataset Load(string dataset, DatasetSplit split, string? path, DigitDatasetOptions options) => dataset switch
    {
        "fashion-mnist" => Datasets.FashionMnist(split, path),
        "tmnist" => Datasets.TypefaceDigits(split, path, options),
        "tmnist-style" => Datasets.TmnistStyle(split, path is null ? options : options with { FontDirectories = [path] }),
        "embedded" => path is null
            ? Datasets.EmbeddedTmnistStyle(split, options)
            : throw new UsageException("--path does not apply to --dataset embedded."),
        _ => throw new UsageException($"Unknown dataset '{dataset}'."),
    };

    private static DigitDatasetOptions SplitOptions(Arguments args)
    {
        var options = new DigitDatasetOptions { Seed = args.Int("seed", 0) };
        var fraction = args.Optional("test-fraction");
        if (fraction is not null)
        {
            if (!double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || !(f > 0 && f < 1))
            {
                throw new UsageException($"--test-fraction must be a number between 0 and 1 (exclusive), not '{fraction}'.");
            }

            options = options with { TestFraction = f };
        }

        return options;
    }

    private void Describe(ImageDataset data, bool brief, string? part = null)
    {
        _out.WriteLine($"Dataset: {data.Name}{(part is null ? string.Empty : $" ({part})")}");
        _out.WriteLine($"Source: {data.Source}");
        foreach (var note in data.Notes)
        {
            _out.WriteLine($"Note: {note}");
        }

        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Images: {data.Count} (28×28, {data.ClassNames.Count} classes)"));
        if (brief)
        {
            return;
        }

        _out.WriteLine("Per class:");
        for (var c = 0; c < data.ClassNames.Count; c++)
        {
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c} {data.ClassNames[c],-12} {data.ClassCounts[c]}"));
        }

        if (data.FontCount is { } fonts)
        {
            _out.WriteLine(data.FontFamilyCount is { } families
                ? string.Create(CultureInfo.InvariantCulture, $"Fonts: {fonts} distinct digit sets from {families} font families")
                : string.Create(CultureInfo.InvariantCulture, $"Fonts: {fonts} distinct digit sets"));
        }
    }
}
