using Xwp.Attribution;
using Xwp.Evaluation;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The fluent form of an evaluation: methods × metrics over a set of inputs,
/// <c>model.Evaluate(x, y).With(Attributions.Xwp(), Attributions.XwpComplement()).Metrics(Metrics.DeletionAuc(), Metrics.AverageDrop()).Run()</c>.
/// Every step returns the builder and checks its arguments at once; nothing runs until <see cref="Run"/>.
/// </summary>
/// <remarks>
/// Each method's maps are computed for all inputs (through the same batching as
/// <see cref="ExplanationBuilder"/>, so seeded methods give the same maps as when run alone), then
/// scored batch by batch: every step of a perturbation curve is one forward pass for all images of a
/// batch. Only one method's maps are held at a time (<c>[N, C, …]</c> after <see cref="ForAllClasses"/>, whose
/// classes are then scored one after another, each as a usual run with every target that class).
/// </remarks>
public sealed class EvaluationBuilder
{
    private readonly ExplainableModel _model;
    private readonly Tensor _inputs;
    private readonly Tensor? _targets;
    private readonly List<(string Name, AttributionMethod Method, Tensor? Maps, bool PerClass)> _methods = [];
    private readonly List<EvaluationMetric> _metrics = [];
    private EvaluationOptions _options = new();
    private IProgress<EvaluationProgress>? _progress;
    private CancellationToken _cancellationToken;
    private bool _allClasses;

    internal EvaluationBuilder(ExplainableModel model, Tensor inputs, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        _model = model;
        _inputs = inputs;
        _targets = targets;
    }

    /// <summary>Adds attribution methods, each reported under its <see cref="AttributionMethod.Name"/>.</summary>
    /// <param name="methods">The methods, e.g. <c>Attributions.Xwp()</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">A method is null.</exception>
    /// <exception cref="ArgumentException">Two methods have the same name (use <see cref="With(string, AttributionMethod)"/> to rename one).</exception>
    public EvaluationBuilder With(params AttributionMethod[] methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        foreach (var method in methods)
        {
            ArgumentNullException.ThrowIfNull(method, nameof(methods));
            With(method.Name, method);
        }

        return this;
    }

    /// <summary>Adds an attribution method under a name of your choice (e.g. two settings of one method).</summary>
    /// <param name="name">The name reports use; unique in the run.</param>
    /// <param name="method">The method.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The name is empty or already used.</exception>
    public EvaluationBuilder With(string name, AttributionMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        Add(name, method, null, false);
        return this;
    }

    /// <summary>
    /// Adds maps you already have (e.g. <c>NpyFile.Read("A.npy")</c> from another library or from
    /// <c>xwp explain</c>). The tensor stays yours; do not dispose it before <see cref="Run"/>. Two shapes are taken:
    /// <list type="bullet">
    /// <item><description>the inputs' shape <c>[N, …]</c>: row n is the map of image n for its target;</description></item>
    /// <item><description><c>[N, C, …]</c>, the inputs' shape with a class axis after N (C = the model's number of
    /// classes, checked by <see cref="Run"/>), as <see cref="ExplanationBuilder.ForAllClasses"/> makes them:
    /// <c>maps[n, c]</c> explains class c of image n. A usual run scores each image with the map of its own target,
    /// <c>maps[n, target_n]</c> (the targets given to <c>Evaluate</c>, else the predicted class), exactly as if
    /// those rows had been passed as <c>[N, …]</c>; after <see cref="ForAllClasses"/> every class's map is scored.</description></item>
    /// </list>
    /// </summary>
    /// <param name="name">The name reports use; unique in the run.</param>
    /// <param name="maps">Floating-point maps <c>[N, …]</c> or <c>[N, C, …]</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The name is empty or already used, or the maps are disposed, not floating point, or of neither accepted shape (the message names both).</exception>
    public EvaluationBuilder WithMaps(string name, Tensor maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var perClass = !maps.IsInvalid && IsPerClass(maps.shape);
        if (maps.IsInvalid || !(perClass || maps.shape.SequenceEqual(_inputs.shape)) || !is_floating_point(maps))
        {
            throw new ArgumentException(
                $"Expected floating-point maps of the inputs' shape {InputValidation.Shape(_inputs)}, or {PerClassShape("C")} with one map per class (C = the model's classes), got {(maps.IsInvalid ? "a disposed tensor" : $"{maps.dtype} {InputValidation.Shape(maps)}")}.",
                nameof(maps));
        }

        Add(name, new PrecomputedMaps(name, maps), maps, perClass);
        return this;
    }

    /// <summary>
    /// Scores every class of every image instead of one target per image: for each class c, image n's
    /// class-c map is scored against class c's output (its probability, its removal curve), N·C (image, class)
    /// pairs per method and metric. Methods run with <see cref="ExplanationBuilder.ForAllClasses"/> (XWP and
    /// XWP^c compute every class from the same perturbed passes); maps added with <see cref="WithMaps"/> must be
    /// <c>[N, C, …]</c> (or <c>[N, …]</c> for a single-output model, C = 1). The report then holds, for every
    /// method and metric, one result over all N·C pairs (<see cref="EvaluationReport.Results"/>, its interval
    /// treating the pairs as independent) and one per class over the N images
    /// (<see cref="EvaluationReport.ClassResults"/>, <c>report[method, metric, c]</c>). The result for class c
    /// equals a usual run with every target c on the class-c maps.
    /// </summary>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">Targets were given to <c>Evaluate(inputs, targets)</c>; every class is scored, so use <c>Evaluate(inputs)</c>.</exception>
    public EvaluationBuilder ForAllClasses()
    {
        if (_targets is not null)
        {
            throw new InvalidOperationException(
                "ForAllClasses() scores every class, so it takes no targets: start from model.Evaluate(inputs) instead of model.Evaluate(inputs, targets).");
        }

        _allClasses = true;
        return this;
    }

    /// <summary>Adds metrics (default when none are added: <see cref="Xwp.Metrics.Paper"/>, Average Drop and Deletion AUC).</summary>
    /// <param name="metrics">The metrics, e.g. <c>Metrics.DeletionAuc()</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">A metric is null.</exception>
    /// <exception cref="ArgumentException">Two metrics have the same name.</exception>
    public EvaluationBuilder Metrics(params EvaluationMetric[] metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var metric in metrics)
        {
            ArgumentNullException.ThrowIfNull(metric, nameof(metrics));
            if (_metrics.Any(m => m.Name == metric.Name))
            {
                throw new ArgumentException($"The metric {metric.Name} was already added; each metric appears once in a run.", nameof(metrics));
            }

            _metrics.Add(metric);
        }

        return this;
    }

    /// <summary>Sets the run's options (batch sizes, limit, confidence level, whether to keep curves).</summary>
    /// <param name="options">The options.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EvaluationBuilder WithOptions(EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        return this;
    }

    /// <summary>Evaluates only the first <paramref name="limit"/> images (shorthand for <see cref="EvaluationOptions.Limit"/>).</summary>
    /// <param name="limit">At least 1.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    public EvaluationBuilder WithLimit(int limit) => WithOptions(_options with { Limit = limit });

    /// <summary>Reports progress after every batch of attribution and of scoring.</summary>
    /// <param name="progress">The receiver; null for none.</param>
    /// <returns>This builder.</returns>
    public EvaluationBuilder WithProgress(IProgress<EvaluationProgress>? progress)
    {
        _progress = progress;
        return this;
    }

    /// <summary>Lets the run be cancelled between batches.</summary>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>This builder.</returns>
    public EvaluationBuilder WithCancellation(CancellationToken cancellationToken)
    {
        _cancellationToken = cancellationToken;
        return this;
    }

    /// <summary>Runs every method and scores its maps with every metric (every class of every image after <see cref="ForAllClasses"/>).</summary>
    /// <returns>The report: per-image values, statistics, curves and settings for each (method, metric), and each class's after <see cref="ForAllClasses"/>.</returns>
    /// <exception cref="InvalidOperationException">No method was added, the model is not trained, its outputs are not floating point, it has BatchNorm layers that keep no running statistics (their outputs depend on the batch), or a method produced NaN or infinite attributions.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="ArgumentException">Inputs, targets or maps have the wrong shape or type or are not finite (maps <c>[N, C, …]</c> whose C is not the model's, or maps <c>[N, …]</c> after <see cref="ForAllClasses"/> on a model of several classes), or a per-feature removal value has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target class is outside <c>[0, C)</c>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public EvaluationReport Run()
    {
        if (_methods.Count == 0)
        {
            throw new InvalidOperationException("Add at least one method with With(...) or WithMaps(...) before Run().");
        }

        var metrics = _metrics.Count > 0 ? _metrics.ToArray() : Xwp.Metrics.Paper.ToArray();
        _model.ThrowIfNotReady();
        InputValidation.CheckInputs(_inputs, _model, "inputs");
        var inputShape = _inputs.shape.Skip(1).ToArray();
        var features = checked((int)inputShape.Aggregate(1L, (a, b) => a * b));
        using var explaining = _model.BeginExplaining();
        // C is needed before any work to check given targets, maps per class and every-class runs: one probe then, for
        // every method. Otherwise it comes from the prediction of the targets below.
        var classes = 0;
        if (_targets is not null || _allClasses || _methods.Any(m => m.Maps is not null && m.PerClass))
        {
            using var probeScope = NewDisposeScope();
            var probe = _inputs.narrow(0, 0, 1).detach().to(float32).to(_model.Device);
            classes = ModelOutputs.ClassCount(_model, probe);
        }

        if (_targets is not null)
        {
            InputValidation.CheckTargets(_targets, _inputs.shape[0], classes, "targets");
        }

        foreach (var metric in metrics)
        {
            metric.Check(features);
        }

        var rows = (int)Math.Min(_inputs.shape[0], _options.Limit ?? int.MaxValue);
        foreach (var (name, _, maps, perClass) in _methods)
        {
            if (maps is null)
            {
                continue;
            }

            using var view = maps.narrow(0, 0, rows);
            if (perClass)
            {
                // With one target per image only the targets' maps are scored; their values are checked once the
                // targets are known (below), so a NaN in a map that is never read does not stop the run.
                CheckClassMaps(view, name, classes, values: _allClasses);
            }
            else
            {
                if (_allClasses && classes > 1)
                {
                    throw new ArgumentException(
                        $"ForAllClasses() scores every class, so it needs one map per class, {PerClassShape(classes.ToString(System.Globalization.CultureInfo.InvariantCulture))}; the maps '{name}' are {InputValidation.Shape(maps)}, one map per image.",
                        $"maps '{name}'");
                }

                InputValidation.CheckInputs(view, _model, $"maps '{name}'", $"Attribution map '{name}'");
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = _model.Device;
        var x = _inputs.narrow(0, 0, rows).detach().to(float32).to(device);
        Tensor? targets = null;
        if (!_allClasses)
        {
            targets = _targets is not null ? _targets.narrow(0, 0, rows).to(int64).to(device) : ModelOutputs.Predict(_model, x, out classes);
        }

        // One target per image: a map per class is read at the image's target, maps[n, target_n]; those maps
        // are selected (and checked) once, before any method runs.
        var targetMaps = _methods
            .Select(m => targets is null || m.Maps is null || !m.PerClass ? null : TargetMaps(m.Maps.narrow(0, 0, rows), targets, m.Name))
            .ToArray();

        var flatInputs = x.reshape(rows, features);
        var results = new List<MetricResult>();
        var classResults = new List<MetricResult>();
        for (var m = 0; m < _methods.Count; m++)
        {
            var (name, method, maps, perClass) = _methods[m];
            var index = m;
            var relay = _progress is null ? null : new Relay(p => _progress.Report(new EvaluationProgress(name, EvaluationStage.Attributing, p.Done, rows, index, _methods.Count)));
            if (targets is not null)
            {
                var given = maps is null ? null : targetMaps[m] ?? maps.narrow(0, 0, rows);
                var attribution = given is null ? method : new PrecomputedMaps(name, given);
                using var explanation = _model.Explain(x)
                    .For(targets)
                    .WithClassCount(classes)
                    .Using(attribution)
                    .WithBatchSize(_options.AttributionBatchSize ?? (maps is null ? method.DefaultBatchSize : rows))
                    .WithProgress(relay)
                    .WithCancellation(_cancellationToken)
                    .ComputeExplanation();
                var map = explanation.Map.reshape(rows, features);
                CheckFinite(map, name);
                var (values, curves) = Score(metrics, name, index, inputShape, flatInputs, targets, map, 0, rows);
                for (var k = 0; k < metrics.Length; k++)
                {
                    results.Add(MetricResult.Create(name, metrics[k], features, values[k], curves[k], _options.ConfidenceLevel));
                }

                continue;
            }

            // Every class: [rows, C, D] maps, each class scored as a usual run whose targets are all c.
            using var computed = maps is not null ? null : _model.Explain(x)
                .ForAllClasses()
                .WithClassCount(classes)
                .Using(method)
                .WithBatchSize(_options.AttributionBatchSize ?? method.DefaultBatchSize)
                .WithProgress(relay)
                .WithCancellation(_cancellationToken)
                .Compute();
            var all = (computed ?? maps!.narrow(0, 0, rows)).reshape(rows, perClass || computed is not null ? classes : 1, features);
            if (computed is not null)
            {
                CheckFinite(all, name);
            }

            var pairs = rows * classes;
            var overall = metrics.Select(_ => new double[pairs]).ToArray();
            var overallCurves = metrics.Select(metric => metric.HasCurves && _options.KeepCurves ? new float[pairs][] : null).ToArray();
            var perClassResults = metrics.Select(_ => new List<MetricResult>()).ToArray();
            for (var c = 0; c < classes; c++)
            {
                using var classScope = NewDisposeScope();
                var classTargets = full(rows, c, dtype: int64, device: device);
                var map = all.select(1, c).to(float32).to(device).contiguous();
                var (values, curves) = Score(metrics, name, index, inputShape, flatInputs, classTargets, map, c * rows, pairs);
                for (var k = 0; k < metrics.Length; k++)
                {
                    perClassResults[k].Add(MetricResult.Create(name, metrics[k], features, values[k], curves[k], _options.ConfidenceLevel, c));
                    for (var n = 0; n < rows; n++)
                    {
                        overall[k][(n * classes) + c] = values[k][n];
                        if (overallCurves[k] is { } into)
                        {
                            into[(n * classes) + c] = curves[k]![n];
                        }
                    }
                }
            }

            for (var k = 0; k < metrics.Length; k++)
            {
                results.Add(MetricResult.Create(name, metrics[k], features, overall[k], overallCurves[k], _options.ConfidenceLevel));
                classResults.AddRange(perClassResults[k]);
            }
        }

        return new EvaluationReport(rows, _methods.Select(m => m.Name).ToArray(), metrics, results, _options, _allClasses ? classes : null, classResults);
    }

    /// <summary>Scores maps <c>[rows, D]</c> against <paramref name="targets"/> with every metric, batch by batch; progress counts from <paramref name="done"/> of <paramref name="total"/>.</summary>
    private (double[][] Values, float[][]?[] Curves) Score(
        EvaluationMetric[] metrics, string name, int index, long[] inputShape, Tensor flatInputs, Tensor targets, Tensor map, int done, int total)
    {
        var rows = (int)flatInputs.shape[0];
        var values = metrics.Select(_ => new double[rows]).ToArray();
        var curves = metrics.Select(metric => metric.HasCurves && _options.KeepCurves ? new float[rows][] : null).ToArray();
        for (var start = 0; start < rows; start += _options.BatchSize)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(_options.BatchSize, rows - start);
            using var batchScope = NewDisposeScope();
            var batch = new MetricBatch(_model, inputShape, flatInputs.narrow(0, start, count), targets.narrow(0, start, count), map.narrow(0, start, count), _cancellationToken, start);
            for (var k = 0; k < metrics.Length; k++)
            {
                MetricScoring.ScoreInto(metrics[k], batch, values[k], curves[k], start);
            }

            _progress?.Report(new EvaluationProgress(name, EvaluationStage.Scoring, done + start + count, total, index, _methods.Count));
        }

        return (values, curves);
    }

    /// <summary>
    /// <c>maps[n, targets[n]]</c> of maps <c>[N, C, …]</c>: the maps <c>[N, …]</c> a run with one target per image
    /// scores, contiguous, on the maps' device.
    /// </summary>
    internal static Tensor SelectTargets(Tensor maps, Tensor targets)
    {
        var rows = maps.shape[0];
        using var scope = NewDisposeScope();
        var index = targets.to(int64).to(maps.device).view(rows, 1, 1).expand(rows, 1, maps[0, 0].numel());
        var selected = maps.reshape(rows, maps.shape[1], -1).gather(1, index).squeeze(1);
        return selected.reshape(maps.shape.Take(1).Concat(maps.shape.Skip(2)).ToArray()).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Maps <c>[rows, C, …]</c> must have the model's C and finite values; the message names the image, class and feature.</summary>
    private void CheckClassMaps(Tensor maps, string name, int classes, bool values)
    {
        if (maps.shape[1] != classes)
        {
            throw new ArgumentException(
                $"The maps '{name}' are {InputValidation.Shape(maps)}: {maps.shape[1]} maps per image, but the model has {classes} class(es). Expected {PerClassShape(classes.ToString(System.Globalization.CultureInfo.InvariantCulture))} (one map per class) or the inputs' shape {InputValidation.Shape(_inputs)}.",
                $"maps '{name}'");
        }

        if (!values)
        {
            return;
        }

        if (InputValidation.AllFinite(maps))
        {
            return;
        }

        using var scope = NewDisposeScope();
        var flat = maps.reshape(maps.shape[0], classes, -1);
        var bad = flat.isfinite().logical_not().nonzero();
        if (bad.shape[0] > 0)
        {
            throw new ArgumentException(
                $"Attribution map '{name}' must be finite: {bad.shape[0]} value(s) are NaN or infinite, the first at row {bad[0, 0].item<long>()}, class {bad[0, 1].item<long>()}, feature {bad[0, 2].item<long>()} (row-major within the row).",
                $"maps '{name}'");
        }
    }

    /// <summary>
    /// The maps of the targets, <c>maps[n, targets[n]]</c> (<see cref="SelectTargets"/>), which must be finite; the
    /// message names the image, its target class and the feature.
    /// </summary>
    private static Tensor TargetMaps(Tensor maps, Tensor targets, string name)
    {
        var selected = SelectTargets(maps, targets);
        if (InputValidation.AllFinite(selected))
        {
            return selected;
        }

        using var scope = NewDisposeScope();
        var bad = selected.reshape(maps.shape[0], -1).isfinite().logical_not().nonzero();
        var row = bad[0, 0].item<long>();
        throw new ArgumentException(
            $"Attribution map '{name}' must be finite where it is scored: {bad.shape[0]} value(s) of the targets' maps are NaN or infinite, the first at row {row}, class {targets[row].item<long>()} (its target), feature {bad[0, 1].item<long>()} (row-major within the row). The other classes' maps are not read.",
            $"maps '{name}'");
    }

    private static void CheckFinite(Tensor map, string name)
    {
        if (!InputValidation.AllFinite(map))
        {
            throw new InvalidOperationException($"The method {name} produced NaN or infinite attributions; they cannot be ranked.");
        }
    }

    private bool IsPerClass(long[] shape) =>
        shape.Length == _inputs.dim() + 1 && shape[0] == _inputs.shape[0] && shape[1] >= 1 && shape.Skip(2).SequenceEqual(_inputs.shape.Skip(1));

    private string PerClassShape(string classes) =>
        $"[{string.Join(", ", new[] { _inputs.shape[0].ToString(System.Globalization.CultureInfo.InvariantCulture), classes }.Concat(_inputs.shape.Skip(1).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))))}]";

    private void Add(string name, AttributionMethod method, Tensor? maps, bool perClass)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_methods.Any(m => m.Name == name))
        {
            throw new ArgumentException($"A method named '{name}' was already added; give this one another name with With(name, method).", nameof(name));
        }

        _methods.Add((name, method, maps, perClass));
    }

    /// <summary>Passes attribution progress on synchronously (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class Relay(Action<AttributionProgress> report) : IProgress<AttributionProgress>
    {
        public void Report(AttributionProgress value) => report(value);
    }
}
