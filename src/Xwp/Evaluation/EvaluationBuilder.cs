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
/// batch. Only one method's maps are held at a time.
/// </remarks>
public sealed class EvaluationBuilder
{
    private readonly ExplainableModel _model;
    private readonly Tensor _inputs;
    private readonly Tensor? _targets;
    private readonly List<(string Name, AttributionMethod Method, Tensor? Maps)> _methods = [];
    private readonly List<EvaluationMetric> _metrics = [];
    private EvaluationOptions _options = new();
    private IProgress<EvaluationProgress>? _progress;
    private CancellationToken _cancellationToken;

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
        Add(name, method, null);
        return this;
    }

    /// <summary>
    /// Adds maps you already have (e.g. <c>NpyFile.ReadFloat32Matrix("A.npy")</c> from another library),
    /// one row per input row. The tensor stays yours; do not dispose it before <see cref="Run"/>.
    /// </summary>
    /// <param name="name">The name reports use; unique in the run.</param>
    /// <param name="maps">Floating-point maps <c>[N, D]</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The name is empty or already used, or the maps' shape differs from the inputs'.</exception>
    public EvaluationBuilder WithMaps(string name, Tensor maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.IsInvalid || !maps.shape.SequenceEqual(_inputs.shape) || !is_floating_point(maps))
        {
            throw new ArgumentException(
                $"Expected floating-point maps of the inputs' shape {InputValidation.Shape(_inputs)}, got {(maps.IsInvalid ? "a disposed tensor" : $"{maps.dtype} {InputValidation.Shape(maps)}")}.",
                nameof(maps));
        }

        Add(name, new PrecomputedMaps(name, maps), maps);
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

    /// <summary>Runs every method and scores its maps with every metric.</summary>
    /// <returns>The report: per-image values, statistics, curves and settings for each (method, metric).</returns>
    /// <exception cref="InvalidOperationException">No method was added, the model is not trained, or a method produced NaN or infinite attributions.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="ArgumentException">Inputs, targets or maps have the wrong shape or type or are not finite, or a per-feature removal value has the wrong length.</exception>
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
        if (_targets is not null)
        {
            using var probeScope = NewDisposeScope();
            var probe = _inputs.narrow(0, 0, 1).detach().to(float32).to(_model.Device);
            InputValidation.CheckTargets(_targets, _inputs.shape[0], ModelOutputs.ClassCount(_model, probe), "targets");
        }

        foreach (var metric in metrics)
        {
            metric.Check(features);
        }

        var rows = (int)Math.Min(_inputs.shape[0], _options.Limit ?? int.MaxValue);
        foreach (var (name, _, maps) in _methods)
        {
            if (maps is not null)
            {
                using var view = maps.narrow(0, 0, rows);
                InputValidation.CheckInputs(view, _model, $"maps '{name}'", $"Attribution map '{name}'");
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = _model.Device;
        var x = _inputs.narrow(0, 0, rows).detach().to(float32).to(device);
        var targets = _targets is null ? ModelOutputs.Predict(_model, x) : _targets.narrow(0, 0, rows).to(int64).to(device);
        var flatInputs = x.reshape(rows, features);
        var results = new List<MetricResult>();
        for (var m = 0; m < _methods.Count; m++)
        {
            var (name, method, maps) = _methods[m];
            var index = m;
            var attribution = maps is null ? method : new PrecomputedMaps(name, maps.narrow(0, 0, rows));
            using var explanation = _model.Explain(x)
                .For(targets)
                .Using(attribution)
                .WithBatchSize(_options.AttributionBatchSize ?? (maps is null ? method.DefaultBatchSize : rows))
                .WithProgress(_progress is null ? null : new Relay(p => _progress.Report(new EvaluationProgress(name, EvaluationStage.Attributing, p.Done, rows, index, _methods.Count))))
                .WithCancellation(_cancellationToken)
                .ComputeExplanation();
            var map = explanation.Map.reshape(rows, features);
            using (var finite = map.isfinite().all())
            {
                if (!finite.item<bool>())
                {
                    throw new InvalidOperationException($"The method {name} produced NaN or infinite attributions; they cannot be ranked.");
                }
            }

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

                _progress?.Report(new EvaluationProgress(name, EvaluationStage.Scoring, start + count, rows, index, _methods.Count));
            }

            for (var k = 0; k < metrics.Length; k++)
            {
                results.Add(MetricResult.Create(name, metrics[k], features, values[k], curves[k], _options.ConfidenceLevel));
            }
        }

        return new EvaluationReport(rows, _methods.Select(m => m.Name).ToArray(), metrics, results, _options);
    }

    private void Add(string name, AttributionMethod method, Tensor? maps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_methods.Any(m => m.Name == name))
        {
            throw new ArgumentException($"A method named '{name}' was already added; give this one another name with With(name, method).", nameof(name));
        }

        _methods.Add((name, method, maps));
    }

    /// <summary>Passes attribution progress on synchronously (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class Relay(Action<AttributionProgress> report) : IProgress<AttributionProgress>
    {
        public void Report(AttributionProgress value) => report(value);
    }
}
