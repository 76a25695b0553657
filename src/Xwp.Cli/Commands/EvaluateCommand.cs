using System.Diagnostics;
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
                            --inputs X.npy --targets Y.npy --attributions A.npy
                            [--metrics deletion-auc,insertion-auc,average-drop,average-drop-gradcampp,increase-in-confidence]
                            [--features-per-step K] [--max-steps S] [--fraction 0.2] [--removal-value 0|R.npy]
                            [--json] [--curves-out C.npy] [--limit N] [--batch-size 128]
                            [--activation relu|gelu|tanh|sigmoid|leakyrelu] [--device cpu|cuda] [--threads N]

          --initial, --trained  PyTorch state_dicts (torch.save(model.state_dict())) at initialisation and after training
          --model               a model saved by Xwp (Fcnn.Save), holding both snapshots
          --torchscript         any PyTorch model saved with torch.jit.script(model).save(path); inputs and maps [N, ...]
          --model-output        what the TorchScript model returns: logits (default) or probabilities
          --inputs              float32/float64 [N, D] inputs
          --targets             int64/int32 [N] classes the maps explain
          --attributions        float32/float64 [N, D] maps to score (from `xwp explain` or any other tool)
          --metrics             comma-separated; default all five. Directions: deletion-auc and average-drop-gradcampp
                                lower is better; insertion-auc, average-drop (removal, the paper's) and
                                increase-in-confidence higher is better
          --features-per-step   features removed per Deletion/Insertion step (default 1% of D, rounded half up per step)
          --max-steps           stop the curves after S steps (default: until every feature is removed)
          --fraction            Average Drop (removal): fraction of top features removed (default 0.2)
          --removal-value       what a removed feature becomes: a number (default 0) or a float [D] .npy file
          --json                print one JSON object whose keys are the metric names, each with mean and ci95
          --curves-out          write the curves, float32 [N, S+1] (two curve metrics: [2, N, S+1] in --metrics order)
          --limit               score only the first N rows
        """;

    public int Run(Arguments args)
    {
        var modelArgs = ModelArguments.Read(args);
        var inputsPath = args.Required("inputs");
        var targetsPath = args.Required("targets");
        var mapsPath = args.Required("attributions");
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
        using var targets = NpyFile.ReadInt64Vector(targetsPath);
        using var maps = model is Fcnn ? NpyFile.ReadFloat32Matrix(mapsPath) : ModelArguments.ReadBatch(mapsPath, "attribution maps");
        if (targets.shape[0] != inputs.shape[0])
        {
            throw new InvalidDataException($"'{targetsPath}' has {targets.shape[0]} targets for {inputs.shape[0]} input rows.");
        }

        if (!maps.shape.SequenceEqual(inputs.shape))
        {
            throw new InvalidDataException(
                $"'{mapsPath}' has shape [{string.Join(", ", maps.shape)}]; the inputs have [{string.Join(", ", inputs.shape)}].");
        }

        var name = Path.GetFileNameWithoutExtension(mapsPath);
        var report = model.Evaluate(inputs, targets)
            .WithMaps(name, maps)
            .Metrics(metrics)
            .WithOptions(new EvaluationOptions { BatchSize = batchSize, Limit = limit, KeepCurves = curvesOut is not null })
            .WithProgress(new StderrProgress(_errors))
            .Run();

        if (curvesOut is not null)
        {
            WriteCurves(curvesOut, curveMetrics.Select(m => report[name, m.Replace('-', '_')]).ToArray());
        }

        _output.Write(json ? report.ToJson(name) + "\n" : report.ToMarkdown());
        return 0;
    }

    private void WriteCurves(string path, MetricResult[] results)
    {
        using var scope = NewDisposeScope();
        var curves = results.Select(r => r.CurvesToTensor()).ToArray();
        var all = curves.Length == 1 ? curves[0] : stack(curves);
        NpyFile.Write(path, all);
        _errors.WriteLine($"Wrote {string.Join(" and ", results.Select(r => r.Metric))} curves [{string.Join(", ", all.shape)}] to {path}.");
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
            return RemovalValue.PerFeature(floats);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? RemovalValue.Of(value)
            : throw new UsageException($"--removal-value must be a number or a .npy file, not '{text}'.");
    }

    /// <summary>A progress line on standard error every few seconds (standard output stays clean for --json).</summary>
    private sealed class StderrProgress(TextWriter writer) : IProgress<EvaluationProgress>
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.Zero;

        public void Report(EvaluationProgress value)
        {
            if (_watch.Elapsed - _last > TimeSpan.FromSeconds(5))
            {
                _last = _watch.Elapsed;
                writer.WriteLine($"{value.Method}: {value.Stage.ToString().ToLowerInvariant()} {value.Done}/{value.Total} ({_watch.Elapsed.TotalSeconds:F0} s)");
            }
        }
    }
}
