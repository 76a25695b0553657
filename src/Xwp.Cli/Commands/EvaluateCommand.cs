using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>`xwp evaluate`: Deletion/Insertion AUC, Average Drop and Increase in Confidence of attribution maps in a .npy file.</summary>
internal sealed class EvaluateCommand(TextWriter? output = null, TextWriter? errors = null) : ICommand
{
    /// <summary>Metric names as `--metrics` takes them; the first five are the default.</summary>
    public static readonly IReadOnlyList<string> MetricNames =
        ["deletion-auc", "insertion-auc", "average-drop", "average-drop-gradcampp", "increase-in-confidence",
         "sparseness", "complexity", "max-sensitivity", "randomisation"];

    /// <summary>The metrics `--metrics` defaults to: the five faithfulness metrics.</summary>
    public static readonly IReadOnlyList<string> DefaultMetricNames = MetricNames.Take(5).ToArray();

    /// <summary>The metrics that re-run the method that made the maps, and so need `--method`.</summary>
    public static readonly IReadOnlyList<string> MethodMetricNames = ["max-sensitivity", "randomisation"];

    /// <summary>The options that configure one metric or a few, with the metrics that read them.</summary>
    private static readonly (string Flag, string[] Metrics)[] MetricFlags =
    [
        ("features-per-step", ["deletion-auc", "insertion-auc"]),
        ("max-steps", ["deletion-auc", "insertion-auc"]),
        ("fraction", ["average-drop"]),
        ("removal-value", ["deletion-auc", "insertion-auc", "average-drop", "average-drop-gradcampp", "increase-in-confidence"]),
        ("sensitivity-radius", ["max-sensitivity"]),
        ("sensitivity-samples", ["max-sensitivity"]),
        ("sensitivity-seed", ["max-sensitivity"]),
        ("sensitivity-absolute", ["max-sensitivity"]),
        ("randomisation-seed", ["randomisation"]),
    ];

    private static readonly Dictionary<string, OutputSpace> Spaces = new()
    {
        ["probabilities"] = OutputSpace.Probabilities,
        ["logits"] = OutputSpace.Logits,
    };

    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TextWriter _errors = errors ?? Console.Error;

    public string Name => "evaluate";

    public string Summary => "Score attribution maps: Deletion/Insertion AUC, Average Drop, Increase in Confidence, sparseness, complexity, Max-Sensitivity, randomisation.";

    public string Usage => """
        Usage: xwp evaluate (--initial INIT.pt --trained TRAINED.pt | --model MODEL.xwp | --torchscript MODEL.pt [--initial INIT.pt] [--first-layer NAME] [--model-output logits|probabilities])
                            --inputs X.npy (--targets Y.npy | --all-classes) --attributions [NAME=]A.npy[,[NAME=]B.npy...]
                            [--metrics deletion-auc,insertion-auc,average-drop,average-drop-gradcampp,increase-in-confidence,
                                       sparseness,complexity,max-sensitivity,randomisation]
                            [--method METHOD [--output-space probabilities|logits] [method flags]]
                            [--sensitivity-radius 0.02] [--sensitivity-samples 10] [--sensitivity-seed 0] [--sensitivity-absolute]
                            [--randomisation-seed 0]
                            [--features-per-step K] [--max-steps S] [--fraction 0.2] [--removal-value 0|R.npy]
                            [--json] [--curves-out C.npy] [--limit N] [--batch-size 128]
                            [--activation relu|gelu|tanh|sigmoid|leakyrelu] [--device cpu|cuda] [--threads N] [--layer-order A,B,C]

          --initial, --trained  PyTorch state_dicts (torch.save(model.state_dict())) at initialisation and after training
          --model               a model saved by Xwp (Fcnn.Save), holding both snapshots
          --torchscript         any PyTorch model saved with torch.jit.script(model).save(path); inputs and maps [N, ...]
          --initial (with --torchscript)  the first Linear layer's weight before training, for --method xwp and xwpc
                                (re-run by max-sensitivity): a state_dict, a safetensors file or a TorchScript file of the
                                untrained model
          --first-layer         the first Linear layer's name; found by itself in a Sequential (after a leading Flatten);
                                name it inside a nested Sequential, e.g. 0.0
          --model-output        what the TorchScript model returns: logits (default) or probabilities
          --inputs              float32/float64 [N, D] inputs ([N, ...] of any shape with --torchscript)
          --targets             int64/int32 [N] classes the maps explain (not needed for a model with one output)
          --attributions        float32/float64 maps to score (from `xwp explain` or any other tool), comma-separated: of the
                                inputs' shape [N, ...], or one map per class [N, C, ...] as `xwp explain --all-classes` writes
                                them (row n is then scored with its --targets class's map, A[n, target_n], and only
                                those maps must be finite);
                                each may be named, xwp=a.npy,ig=b.npy (default name: the file name without .npy).
                                With two or more maps every pair is compared on every metric: Hodges-Lehmann
                                estimate of A - B with its 95% Wilcoxon signed-rank interval and p-value (not
                                adjusted for multiple comparisons); see docs/methods.md#paired-comparisons
          --all-classes         score every class instead of --targets: class c's map A[n, c] against class c's output, for every
                                input and class (maps [N, C, ...]; [N, ...] for a one-output model). Each metric is reported over
                                all N*C (input, class) pairs (interval treating them as independent) and per class
          --metrics             comma-separated; default the first five. Directions: deletion-auc, average-drop-gradcampp,
                                complexity, max-sensitivity and randomisation lower is better; insertion-auc,
                                average-drop (removal, the paper's), increase-in-confidence and sparseness higher is better.
                                sparseness (Gini of |a|) and complexity (entropy of |a|/sum|a|) read the maps only;
                                max-sensitivity and randomisation re-run --method (docs/methods.md#max-sensitivity,
                                docs/methods.md#model-parameter-randomisation); randomisation redraws the Linear/Conv layers
          --method              the attribution method that made the maps (every map given), with the flags and
                                --output-space of `xwp explain`; needed by max-sensitivity and randomisation
          --sensitivity-radius  half-width of the uniform L-infinity noise (default 0.02, as Captum)
          --sensitivity-samples perturbations per input; the value is the largest change (default 10)
          --sensitivity-seed    seed of the noise (default 0)
          --sensitivity-absolute  max ||map(x+d) - map(x)|| without dividing by ||map(x)|| (Captum divides)
          --randomisation-seed  seed of the redrawn layers (default 0)
          --features-per-step   features removed per Deletion/Insertion step (default 1% of D, rounded half up per step)
          --max-steps           stop the curves after S steps (default: until every feature is removed)
          --fraction            Average Drop (removal): fraction of top features removed (default 0.2)
          --removal-value       what a removed feature becomes: a number (default 0) or a float [D] .npy file
          --json                print JSON: with one map, an object whose keys are the metric names, each with mean and
                                ci95; with several, {"images", "confidence_level", "interval", "methods": {NAME: {metric:
                                ...}}, "comparisons": [{"metric", "a", "b", "hodges_lehmann", "ci95", "p_value", ...}]}.
                                With --all-classes each metric also has "per_class": [{"class", "mean", "std", "ci95", "n",
                                "excluded"}], and the several-map object "classes" and "pairs"
          --curves-out          write the curves, float32 [N, S+1]; two curve metrics add a leading axis in --metrics
                                order ([2, N, S+1]); several maps add one after it, in --attributions order
                                ([M, N, S+1] or [2, M, N, S+1]); --all-classes adds a class axis after N ([N, C, S+1])
          --limit               score only the first N rows (every row, with a note, when N is larger)
        """ + "\n\nMethods (for --method): " + string.Join(", ", ExplainMethods.Names) + "\n" + ExplainMethods.Usage;

    public int Run(Arguments args)
    {
        var modelArgs = ModelArguments.Read(args);
        var inputsPath = args.Required("inputs");
        var allClasses = args.Flag("all-classes");
        // Optional here: a model with one output (regression, one binary logit) has nothing to choose; others are refused below.
        var targetsPath = args.Optional("targets");
        if (allClasses && targetsPath is not null)
        {
            throw new UsageException("--all-classes scores every class of every input against that class; it does not take --targets.");
        }

        var mapPaths = ParseAttributions(args.Required("attributions"));
        var metricNames = ParseMetrics(args.Optional("metrics"));
        var featuresPerStep = args.Optional("features-per-step") is null ? (int?)null : args.Int("features-per-step", 1, min: 1);
        var maxSteps = args.Optional("max-steps") is null ? (int?)null : args.Int("max-steps", 1, min: 1);
        var fraction = args.Double("fraction", AverageDropOptions.DefaultFraction);
        var removalText = args.Optional("removal-value") ?? "0";
        var json = args.Flag("json");
        var curvesOut = args.Optional("curves-out");
        var limit = args.Optional("limit") is null ? (int?)null : args.Int("limit", 1, min: 1);
        var batchSize = args.Int("batch-size", EvaluationMetric.DefaultBatchSize, min: 1);
        var methodName = args.Optional("method");
        OutputSpace? space = args.Optional("output-space") is null ? null : args.Choice("output-space", OutputSpace.Probabilities, Spaces);
        var method = methodName is null ? null : ExplainMethods.Create(methodName, space, args);
        var sensitivity = new MaxSensitivityOptions
        {
            Radius = args.Double("sensitivity-radius", MaxSensitivityOptions.DefaultRadius),
            Samples = args.Int("sensitivity-samples", MaxSensitivityOptions.DefaultSamples, min: 1),
            Seed = args.Long("sensitivity-seed", 0),
            Relative = !args.Flag("sensitivity-absolute"),
        };
        var randomisation = new ParameterRandomisationOptions { Seed = args.Long("randomisation-seed", 0) };
        if (methodName is null)
        {
            ExplainMethods.RejectWithoutMethod(args, MethodMetricNames);
        }

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

        if (!(sensitivity.Radius > 0 && sensitivity.Radius <= MaxSensitivityOptions.MaxRadius))
        {
            throw new UsageException(
                $"--sensitivity-radius must be greater than 0 and at most 1.7e38 (the float32 noise spans 2·radius), not {sensitivity.Radius.ToString(CultureInfo.InvariantCulture)}.");
        }

        var needsMethod = metricNames.Where(MethodMetricNames.Contains).ToArray();
        if (needsMethod.Length > 0 && method is null)
        {
            throw new UsageException(
                $"--metrics {string.Join(",", needsMethod)} re-runs the method that made the maps: name it with --method (one of {string.Join(", ", ExplainMethods.Names)}) and its flags, as given to `xwp explain`.");
        }

        if (method is not null && needsMethod.Length == 0)
        {
            throw new UsageException($"--method is read only by {string.Join(" and ", MethodMetricNames)}; add one to --metrics, or leave --method out.");
        }

        if (space is not null && method is null)
        {
            throw new UsageException("--output-space applies to the --method that max-sensitivity and randomisation re-run; without --method it would be ignored. Leave it out.");
        }

        modelArgs.RejectUnusedSnapshot(methodName);
        foreach (var (flag, readers) in MetricFlags)
        {
            if (args.Given(flag) && !readers.Any(metricNames.Contains))
            {
                throw new UsageException(
                    $"--{flag} applies only to --metrics {string.Join(", ", readers)}, not to {string.Join(", ", metricNames)}; add one to --metrics or leave --{flag} out.");
            }
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
            "increase-in-confidence" => Metrics.IncreaseInConfidence(gradCam),
            "sparseness" => Metrics.Sparseness(),
            "complexity" => Metrics.Complexity(),
            "max-sensitivity" => Metrics.MaxSensitivity(method!, sensitivity),
            _ => Metrics.ParameterRandomisation(method!, randomisation),
        }).ToArray();

        var model = modelArgs.Load();
        using var owner = model as IDisposable;
        using var inputs = ModelArguments.ReadInputs(inputsPath, model);
        var classes = Xwp.Attribution.ModelOutputs.ClassCount(model, inputs);
        if (limit > inputs.shape[0])
        {
            _errors.WriteLine($"xwp evaluate: note: --limit {limit} is more than the {inputs.shape[0]} rows of '{inputsPath}'; scoring all {inputs.shape[0]}.");
        }

        if (targetsPath is null && !allClasses && classes > 1)
        {
            throw new UsageException($"--targets is required (or --all-classes): the model has {classes} outputs, and the maps explain one class per input.");
        }

        using var targets = targetsPath is not null ? InputFiles.ReadTargets(targetsPath, inputs.shape[0], inputsPath, classes)
            : allClasses ? null
            : zeros(inputs.shape[0], dtype: int64); // one output: its raw value is what every metric measures

        using var mapScope = NewDisposeScope();
        var builder = targets is null ? model.Evaluate(inputs).ForAllClasses() : model.Evaluate(inputs, targets);
        foreach (var (mapName, mapPath) in mapPaths)
        {
            builder = builder.WithMaps(mapName, ReadMaps(mapPath, inputs, classes, allClasses, targets, limit));
        }

        using var ctrlC = CtrlC.Listen();
        EvaluationReport report;
        try
        {
            report = builder
                .WithCancellation(ctrlC.Token)
                .Metrics(metrics)
                .WithOptions(new EvaluationOptions { BatchSize = batchSize, Limit = limit, KeepCurves = curvesOut is not null })
                .WithProgress(new StderrProgress(_errors))
                .Run();
        }
        catch (NotSupportedException e) when (methodName is "xwp" or "xwpc" && model is not Fcnn)
        {
            // XWP and XWP^c need the first layer's θ⁰, which a TorchScript model gets from --initial. Every other refusal
            // (LRP's layer, a model the randomisation test cannot redraw) is about the model: a one-line model error.
            throw new UsageException(modelArgs.TorchScript is not null && modelArgs.Initial is null
                ? $"--method {methodName}: {e.Message} On the command line: add --initial INIT.pt (the state_dict saved before training, or a TorchScript file of the untrained model)."
                : $"--method {methodName}: {e.Message}");
        }
        catch (ArgumentOutOfRangeException e) when (ExplainMethods.FlagFor(e.ParamName) is { } flag)
        {
            throw new UsageException($"{flag}: {FailureReport.WithoutParameter(e)}");
        }
        catch (ArgumentException e) when (ExplainMethods.FeatureMaskMismatch(e, args) is { } mismatch)
        {
            throw mismatch;
        }

        var names = mapPaths.Select(m => m.Name).ToArray();
        if (curvesOut is not null)
        {
            WriteCurves(curvesOut, report, names, curveMetrics.Select(m => m.Replace('-', '_')).ToArray(), allClasses ? classes : null);
        }

        if (names.Length == 1)
        {
            _output.Write(json ? report.ToJson(names[0]) + "\n" : report.ToMarkdown());
        }
        else
        {
            _output.Write(json
                ? report.ToJson(includeComparisons: true) + "\n"
                : report.ToMarkdown() + $"\nPaired comparisons (A − B on the same {(allClasses ? "(image, class) pairs" : "images")}; p not adjusted for multiple comparisons):\n\n" + report.ComparisonsToMarkdown());
        }

        return 0;
    }

    /// <summary>
    /// Maps of the inputs' shape [N, ...] or one per class [N, C, ...] (as `xwp explain --all-classes` writes them),
    /// read as float32; --all-classes needs the second unless the model has one output. The maps that are scored
    /// must be finite (<see cref="CheckTargetMapsFinite"/>); the others (other classes' maps, rows past --limit) may hold anything.
    /// </summary>
    /// <param name="path">The --attributions file.</param>
    /// <param name="inputs">The inputs [N, ...], whose shape the maps must have (with a class axis after N, or without).</param>
    /// <param name="classes">C, the model's classes.</param>
    /// <param name="allClasses">--all-classes: every class of every row is scored.</param>
    /// <param name="targets">Each row's class, or null with --all-classes.</param>
    /// <param name="limit">--limit: only the first rows are scored (null: all).</param>
    /// <exception cref="InvalidDataException">The file is bad, a scored map holds a non-finite value, or it has neither shape; the message names the file and both shapes.</exception>
    private static Tensor ReadMaps(string path, Tensor inputs, int classes, bool allClasses, Tensor? targets, int? limit)
    {
        var maps = InputFiles.ReadBatch(path, "attribution maps", checkFinite: false);
        var inputShape = string.Join(", ", inputs.shape);
        var perClassShape = string.Join(", ", inputs.shape.Take(1).Append(classes).Concat(inputs.shape.Skip(1)));
        var perClass = maps.dim() == inputs.dim() + 1 && maps.shape[0] == inputs.shape[0] && maps.shape[1] == classes && maps.shape.Skip(2).SequenceEqual(inputs.shape.Skip(1));
        var perRow = maps.shape.SequenceEqual(inputs.shape);
        if (perRow && allClasses && classes > 1)
        {
            maps.Dispose();
            throw new InvalidDataException(
                $"'{path}' holds one map per input, [{inputShape}]; --all-classes scores every class and needs one map per class, [{perClassShape}], as `xwp explain --all-classes` writes.");
        }

        if (!perRow && !perClass)
        {
            var shape = string.Join(", ", maps.shape);
            maps.Dispose();
            throw new InvalidDataException(
                $"'{path}' has shape [{shape}]; expected the inputs' shape [{inputShape}], or [{perClassShape}] with one map per class of the model's {classes} (as `xwp explain --all-classes` writes).");
        }

        var rows = Math.Min(maps.shape[0], limit ?? long.MaxValue);
        if (perRow || targets is null)
        {
            try
            {
                InputFiles.CheckFinite(maps.narrow(0, 0, rows), path);
                return maps;
            }
            catch
            {
                maps.Dispose();
                throw;
            }
        }

        // One map per class, one class scored per row: hand the evaluation A[n, target_n] alone, [N, ...], so that it
        // neither keeps nor checks the maps it does not score.
        using (maps)
        {
            var selected = EvaluationBuilder.SelectTargets(maps, targets);
            try
            {
                CheckTargetMapsFinite(selected, path, targets, rows);
                return selected;
            }
            catch
            {
                selected.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Refuses NaN or infinity in the first <paramref name="rows"/> target maps A[n, target_n] (what the metrics read)
    /// of a file of one map per class.
    /// </summary>
    /// <param name="selected">The target maps [N, ...] (<see cref="EvaluationBuilder.SelectTargets"/>).</param>
    /// <param name="path">The file, named in the message.</param>
    /// <param name="targets">Each row's class.</param>
    /// <param name="rows">The rows scored (--limit).</param>
    /// <exception cref="InvalidDataException">A scored value is NaN or infinite; the message names the file, the row and the class.</exception>
    private static void CheckTargetMapsFinite(Tensor selected, string path, Tensor targets, long rows)
    {
        using var scope = NewDisposeScope();
        var scored = selected.narrow(0, 0, rows);
        if (InputValidation.DescribeNonFinite(scored) is not { } problem)
        {
            return;
        }

        var row = scored.reshape(rows, -1).isfinite().logical_not().nonzero()[0, 0].item<long>();
        var target = targets[row].item<long>();
        var at = scored[row].isfinite().logical_not().nonzero()[0].data<long>().ToArray();
        throw new InvalidDataException(
            $"'{path}' has a non-finite value in row {row}'s map of class {target} (its target, which is scored), at index [{string.Join(", ", new[] { row, target }.Concat(at))}] " +
            $"({problem} in the scored maps); it must hold finite numbers.");
    }

    /// <summary>
    /// Curves as [N, S+1] ([N, C, S+1] with --all-classes); a leading metric axis for two curve metrics; a map axis
    /// before N for several maps.
    /// </summary>
    private void WriteCurves(string path, EvaluationReport report, string[] names, string[] metricKeys, int? classes)
    {
        using var scope = NewDisposeScope();
        var perMetric = metricKeys.Select(metric =>
        {
            var curves = names.Select(name =>
            {
                var flat = report[name, metric].CurvesToTensor();
                return classes is { } c ? flat.reshape(report.ImageCount, c, flat.shape[1]) : flat;
            }).ToArray();
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
            return [.. DefaultMetricNames];
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
