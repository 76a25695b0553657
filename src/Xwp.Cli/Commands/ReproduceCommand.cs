using System.Diagnostics;
using Xwp.Cli.Reproduction;

namespace Xwp.Cli.Commands;

/// <summary>`xwp reproduce`: the paper's Table 1 and figures, end to end, into a report folder.</summary>
internal sealed class ReproduceCommand : ICommand
{
    private static readonly string[] KnownDatasets = ["fashion-mnist", "tmnist-style"];

    public string Name => "reproduce";

    public string Summary => "Reproduce the paper: train, explain, evaluate, report (Table 1 and figures).";

    public string Usage => """
        Usage: xwp reproduce [--datasets fashion-mnist,tmnist-style] [--limit 1000 | --all] [--epochs 10]
                             [--seed 0] [--out xwp-report] [--device cpu|cuda] [--threads N]
                             [--fashion-mnist DIR] [--tmnist TMNIST_Data.csv]
                             [--protocol default|paper-like] [--protocol-study]
                             [--claim-images 50] [--sensitivity-samples 3] [--seeds K]

          --datasets       fashion-mnist (needs the IDX files: apt-get install dataset-fashion-mnist) and/or
                           tmnist-style (the TMNIST CSV if given, else digits rendered from the installed fonts,
                           else the set embedded in Xwp.Data)
          --limit N        test images per dataset, the first ones of each class (default 1000 = 100 per class)
          --all            every test image
          --out DIR        the report folder; models, maps and scores saved there are reused on a rerun when
                           cache-manifest.json shows their content and settings unchanged
          --protocol P     how Table 1 is scored: default (removal 0, AD@20%, 1% deletion steps, all steps)
                           or paper-like (the protocol closest to the paper's Fashion-MNIST numbers in our
                           protocol study; see docs/methods.md#the-protocol-study)
          --protocol-study also re-score the maps under a grid of protocols (removal value, AD fraction,
                           deletion step, truncation, x axis, score) and rank them by distance to the
                           paper's Table 1: protocols.md, protocols.json, protocols.csv
          --claim-images N Max-Sensitivity and the randomisation test run on the first N evaluated images (default 50);
                           sparseness and complexity on all. With them the report's claims table sets each claim of
                           the paper beside the metric that tests it (docs/methods.md#the-claims-table)
          --sensitivity-samples S  perturbations per image of Max-Sensitivity (default 3; radius 0.02)
          --seeds K        also train K networks (seeds --seed … --seed+K-1), recompute Table 1 for each and report
                           mean ± sd of every method's values and ranks: seeds.md, seeds.json (opt-in; K times the
                           training and explaining time)
        """;

    public int Run(Arguments args)
    {
        var datasets = (args.Optional("datasets") ?? string.Join(",", KnownDatasets))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (datasets.Length == 0)
        {
            throw new UsageException($"--datasets names no dataset; give one or more of {string.Join(", ", KnownDatasets)}, separated by commas.");
        }

        foreach (var d in datasets)
        {
            if (!KnownDatasets.Contains(d))
            {
                throw new UsageException($"--datasets takes {string.Join(", ", KnownDatasets)}, not '{d}'.");
            }
        }

        var all = args.Flag("all");
        if (all && args.Optional("limit") is not null)
        {
            throw new UsageException("Give --limit N or --all, not both (--all runs every test image).");
        }

        var limit = args.Int("limit", 1000, min: 1);
        var settings = new ReproduceSettings
        {
            Datasets = datasets.Distinct().ToList(),
            Limit = all ? null : limit,
            Epochs = args.Int("epochs", 10, min: 1),
            Seed = args.Long("seed", 0),
            OutputFolder = args.Optional("out") ?? "xwp-report",
            Device = args.Choice("device", "cpu", new Dictionary<string, string> { ["cpu"] = "cpu", ["cuda"] = "cuda" }),
            FashionMnistPath = args.Optional("fashion-mnist"),
            TmnistCsvPath = args.Optional("tmnist"),
            ProtocolStudy = args.Flag("protocol-study"),
            ClaimImages = args.Int("claim-images", 50, min: 1),
            SensitivitySamples = args.Int("sensitivity-samples", 3, min: 1),
            Seeds = args.Int("seeds", 1, min: 1),
        };
        var protocol = args.Optional("protocol") ?? "default";
        settings = settings with
        {
            Protocol = Protocol.Presets.TryGetValue(protocol, out var preset)
                ? preset
                : throw new UsageException($"--protocol must be one of {string.Join(", ", Protocol.Presets.Keys)}, not '{protocol}'."),
            ProtocolName = protocol,
        };
        var threads = args.Threads(0);
        args.RejectUnknown();
        OutputPaths.CheckFolder("out", settings.OutputFolder, "index.html");

        if (threads > 0)
        {
            XwpRuntime.Threads = threads;
        }

        if (settings.Device == "cuda" && !TorchSharp.torch.cuda.is_available())
        {
            throw new InvalidOperationException("--device cuda was asked for, but CUDA is not available (build with -p:TorchBackend=cuda-linux).");
        }

        using var ctrlC = CtrlC.Listen();
        return Run(settings, IProgressSink.ForConsole(), ctrlC.Token);
    }

    internal static int Run(ReproduceSettings settings, IProgressSink progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(settings.OutputFolder);
        var runner = new ReproductionRunner(settings, progress, cancellationToken);
        var results = new List<DatasetResult>();
        foreach (var dataset in settings.Datasets)
        {
            if (dataset == "fashion-mnist" && Xwp.Data.FashionMnistFiles.Missing(settings.FashionMnistPath) is { } missing)
            {
                progress.Warn(settings.FashionMnistPath is null
                    ? "Fashion-MNIST is not installed: skipped. On Debian/Ubuntu: apt-get install dataset-fashion-mnist; " +
                      "elsewhere pass --fashion-mnist DIR or set XWP_FASHION_MNIST."
                    : $"Fashion-MNIST skipped: --fashion-mnist {missing}");
                continue;
            }

            results.Add(runner.Run(dataset));
        }

        if (results.Count == 0)
        {
            throw new InvalidOperationException("No dataset could be run: every dataset of --datasets was skipped (the warnings above say why).");
        }

        var files = Report.Write(settings, results, watch.Elapsed);
        progress.Line("");
        progress.Line(Report.Summary(results, watch.Elapsed));
        progress.Line($"Report: {Path.GetFullPath(Path.Combine(settings.OutputFolder, "index.html"))} ({string.Join(", ", files)})");
        return 0;
    }
}
