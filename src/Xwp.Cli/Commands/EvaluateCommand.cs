using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>`xwp evaluate`: Deletion/Insertion AUC, Average Drop and Increase in Confidence of attribution maps in a .npy file.</summary>
internal sealed class EvaluateCommand(TextWriter? output = null, TextWriter? errors = null) : ICommand
{
    /// <summary>Metric names as `--metrics` takes them, in the order `--metrics` defaults to.</summary>
    public static readonly IReadOnlyList<string> MetricNames =
        ["deletion-auc", "insertion-auc", "average-drop", "average-drop-gradcampp", "increase-in-confidence"];

    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TextWriter _errors = errors ?? Console.Error;

    public string Name => "evaluate";

    public string Summary => "Score attribution maps: Deletion/Insertion AUC, Average Drop, Increase in Confidence.";

    public string Usage => """
        Usage: xwp evaluate (--initial INIT.pt --trained TRAINED.pt | --model MODEL.xwp | --torchscript MODEL.pt [--model-output logits|probabilities])
                            --inputs X.npy --targets Y.npy --attributions [NAME=]A.npy[,[NAME=]B.npy...]
                            [--metrics deletion-auc,insertion-auc,average-drop,average-drop-gradcampp,increase-in-confidence]
                            [--features-per-step K] [--max-steps S] [--fraction 0.2] [--removal-value 0|R.npy]
                            [--json] [--curves-out C.npy] [--limit N] [--batch-size 128]
                            [--activation relu|gelu|tanh|sigmoid|leakyrelu] [--device cpu|cuda] [--threads N] [--layer-order A,B,C]

          --initial, --trained  PyTorch state_dicts (torch.save(model.state_dict())) at initialisation and after training
          --model               a model saved by Xwp (Fcnn.Save), holding both snapshots
          --torchscript         any PyTorch model saved with torch.jit.script(model).save(path); inputs and maps [N, ...]
          --model-output        what the TorchScript model returns: logits (default) or probabilities
          --inputs              float32/float64 [N, D] inputs ([N, ...] of any shape with --torchscript)
          --targets             int64/int32 [N] classes the maps explain
          --attributions        float32/float64 maps of the inputs' shape to score (from `xwp explain` or any other tool), comma-separated;
                                each may be named, xwp=a.npy,ig=b.npy (default name: the file name without .npy).
                                With two or more maps every pair is compared on every metric: Hodges-Lehmann
                                estimate of A - B with its 95% Wilcoxon signed-rank interval and p-value (not
                                adjusted for multiple comparisons); see docs/methods.md#paired-comparisons
          --metrics             comma-separated; default all five. Directions: deletion-auc and average-drop-gradcampp
                                lower is better; insertion-auc, average-drop (removal, the paper's) and
                                increase-in-confidence higher is better
          --features-per-step   features removed per Deletion/Insertion step (default 1% of D, rounded half up per step)
          --max-steps           stop the curves after S steps (default: until every feature is removed)
          --fraction            Average Drop (removal): fraction of top features removed (default 0.2)
          --removal-value       what a removed feature becomes: a number (default 0) or a float [D] .npy file
          --json                print JSON: with one map, an object whose keys are the metric names, each with mean and
                                ci95; with several, {"images", "confidence_level", "interval", "methods": {NAME: {metric:
                                ...}}, "comparisons": [{"metric", "a", "b", "hodges_lehmann", "ci95", "p_value", ...}]}
          --curves-out          write the curves, float32 [N, S+1]; two curve metrics add a leading axis in --metrics
                                order ([2, N, S+1]); several maps add one after it, in --attributions order
                                ([M, N, S+1] or [2, M, N, S+1])
          --limit               score only the first N rows
        """;

    public int Run(Arguments args)
    {
        var modelArgs = ModelArguments.Read(args);
        var inputsPath = args.Required("inputs");
        var targetsPath = args.Required("targets");
        var mapPaths = ParseAttributions(args.Required("attributions"));
        var metricNames = ParseMetrics(args.Optional("metrics"));
        var featuresPerStep = args.Optional("features-per-step") is null ? (int?)null : args.Int("features-per-step", 1, min: 1);
        var maxSteps = args.Optional("max-steps") is null ? (int?)null : args.Int("max-steps", 1, min: 1);
        var fraction = ParseDouble(args, "fraction", AverageDropOptions.DefaultFraction);
        var removalText = args.Optional("removal-value") ?? "0";
        var json = args.Flag("json");
        var curvesOut = args.Optional("curves-out");
        var limit = args.Optional("limit") is null ? (int?)null : args.Int("limit", 1, min: 1);
        var batchSize = args.Int("batch-size", EvaluationMetric.DefaultBatchSize, min: 1);
        args.RejectUnknown();
        modelArgs.Validate();
        OutputPaths.CheckFiles(
            [("curves-out", curvesOut)],
            [("inputs", inputsPath), ("targets", targetsPath), ("removal-value", removalText), .. mapPaths.Select(m => ("attributions", (string?)m.Path)), .. modelArgs.Files]);

        if (!(fraction > 0 && fraction <= 1))
        {
            throw new UsageException($"--fraction must lie in (0, 1], not {fraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        var curveMetrics = metricNames.Where(m => m is "deletion-auc" or "insertion-auc").ToArray();
        if (curvesOut is not null && curveMetrics.Length == 0)
        {
            throw new UsageException("--curves-out needs deletion-auc or insertion-auc among --metrics.");
        }

        var removal = ParseRemoval(removalText);

        var curveOptions = new CurveMetricOptions { FeaturesPerStep = featuresPerStep, MaxSteps = maxSteps, RemovalValue = removal };
        var gradCam = new GradCamPlusPlusOptions { RemovalValue = removal };
        var metrics = metricNames.Select(name => name switch
        {
            "deletion-auc" => Metrics.DeletionAuc(curveOptions),
            "insertion-auc" => Metrics.InsertionAuc(curveOptions),
            "average-drop" => Metrics.AverageDrop(new AverageDropOptions { Fraction = fraction, RemovalValue = removal }),
            "average-drop-gradcampp" => Metrics.AverageDropGradCamPlusPlus(gradCam),
            _ => Metrics.IncreaseInConfidence(gradCam),
        }).ToArray();

        var model = modelArgs.Load();
        using var owner = model as IDisposable;
        using var inputs = ModelArguments.ReadInputs(inputsPath, model);
        using var targets = InputFiles.ReadTargets(targetsPath, inputs.shape[0], inputsPath, Xwp.Attribution.ModelOutputs.ClassCount(model, inputs));

        using var mapScope = NewDisposeScope();
        var builder = model.Evaluate(inputs, targets);
        foreach (var (mapName, mapPath) in mapPaths)
        {
            var maps = model is Fcnn fcnn ? InputFiles.ReadMatrix(mapPath, fcnn.InputSize) : InputFiles.ReadBatch(mapPath, "attribution maps");
            if (!maps.shape.SequenceEqual(inputs.shape))
            {
                throw new InvalidDataException(
                    $"'{mapPath}' has shape [{string.Join(", ", maps.shape)}]; the inputs have [{string.Join(", ", inputs.shape)}].");
            }

            builder = builder.WithMaps(mapName, maps);
        }

        using var ctrlC = CtrlC.Listen();
        var report = builder
            .WithCancellation(ctrlC.Token)
            .Metrics(metrics)
            .WithOptions(new EvaluationOptions { BatchSize = batchSize, Limit = limit, KeepCurves = curvesOut is not null })
            .WithProgress(new StderrProgress(_errors))
            .Run();

        var names = mapPaths.Select(m => m.Name).ToArray();
        if (curvesOut is not null)
        {
            WriteCurves(curvesOut, report, names, curveMetrics.Select(m => m.Replace('-', '_')).ToArray());
        }

        if (names.Length == 1)
        {
            _output.Write(json ? report.ToJson(names[0]) + "\n" : report.ToMarkdown());
        }
        else
        {
            _output.Write(json
                ? report.ToJson(includeComparisons: true) + "\n"
                : report.ToMarkdown() + "\nPaired comparisons (A − B on the same images; p not adjusted for multiple comparisons):\n\n" + report.ComparisonsToMarkdown());
        }

        return 0;
    }

    /// <summary>Curves as [N, S+1]; a leading metric axis for two curve metrics; a map axis before N for several maps.</summary>
    private void WriteCurves(string path, EvaluationReport report, string[] names, string[] metricKeys)
    {
        using var scope = NewDisposeScope();
        var perMetric = metricKeys.Select(metric =>
        {
            var curves = names.Select(name => report[name, metric].CurvesToTensor()).ToArray();
            return curves.Length == 1 ? curves[0] : stack(curves);
        }).ToArray();
        var all = perMetric.Length == 1 ? perMetric[0] : stack(perMetric);
        NpyFile.Write(path, all);
        _errors.WriteLine($"Wrote {string.Join(" and ", metricKeys)} curves [{string.Join(", ", all.shape)}] to {path}.");
    }

    /// <summary>
    /// <c>a.npy,b.npy</c> or <c>xwp=a.npy,ig=b.npy</c> (names may be mixed with unnamed files): the names
    /// default to the file names without their extension and must be unique.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Path)> ParseAttributions(string text)
    {
        var maps = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(entry =>
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var (name, path) = eq < 0 ? (Path.GetFileNameWithoutExtension(entry), entry) : (entry[..eq].Trim(), entry[(eq + 1)..].Trim());
            if (name.Length == 0 || path.Length == 0)
            {
                throw new UsageException($"--attributions: '{entry}' needs a file, optionally named as NAME=FILE.npy.");
            }

            return (name, path);
        }).ToArray();

        if (maps.Length == 0)
        {
            throw new UsageException("--attributions needs at least one .npy file.");
        }

        var duplicate = maps.GroupBy(m => m.name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new UsageException(
                $"--attributions: two maps are named '{duplicate.Key}' ({string.Join(", ", duplicate.Select(m => m.path))}); name them, e.g. a={duplicate.First().path}.");
        }

        return maps;
    }

    private static string[] ParseMetrics(string? text)
    {
        if (text is null)
        {
            return [.. MetricNames];
        }

        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.FirstOrDefault(n => !MetricNames.Contains(n));
        if (unknown is not null || names.Length == 0)
        {
            throw new UsageException($"--metrics takes a comma-separated list of {string.Join(", ", MetricNames)}; '{unknown ?? text}' is not one.");
        }

        if (names.Distinct().Count() != names.Length)
        {
            throw new UsageException("--metrics lists a metric twice.");
        }

        return names;
    }

    private static double ParseDouble(Arguments args, string name, double fallback)
    {
        var text = args.Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"--{name} must be a number, not '{text}'.");
    }

    private static RemovalValue ParseRemoval(string text)
    {
        if (text.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            using var values = NpyFile.Read(text);
            if (values.dim() != 1)
            {
                throw new InvalidDataException($"'{text}' must hold one value per feature, [D]; it has shape [{string.Join(", ", values.shape)}].");
            }

            using var floats = values.to(float32);
            InputFiles.CheckFinite(floats, text);
            return RemovalValue.PerFeature(floats);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? RemovalValue.Of(value)
            : throw new UsageException($"--removal-value must be a number or a .npy file, not '{text}'.");
    }

    /// <summary>A progress line on standard error every few seconds (standard output stays clean for --json).</summary>
    private sealed class StderrProgress(TextWriter writer) : IProgress<EvaluationProgress>
    {
        private readonly ProgressThrottle _throttle = new(TimeSpan.FromSeconds(5));

        public void Report(EvaluationProgress value)
        {
            if (_throttle.Due())
            {
                writer.WriteLine($"{value.Method}: {value.Stage.ToString().ToLowerInvariant()} {value.Done}/{value.Total} ({_throttle.Elapsed.TotalSeconds:F0} s)");
            }
        }
    }
}
