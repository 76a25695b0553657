using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The fluent form of one explanation: <c>model.Explain(inputs).For(labels).Using(method).Compute()</c>.
/// Every step returns the builder; nothing runs until <see cref="Compute"/>.
/// </summary>
public sealed class ExplanationBuilder
{
    private readonly ExplainableModel _model;
    private readonly Tensor _inputs;
    private Tensor? _targets;
    private long[]? _targetArray;
    private AttributionMethod? _method;
    private bool _allClasses;
    private int? _batchSize;
    private int? _classCount;
    private IProgress<AttributionProgress>? _progress;
    private CancellationToken _cancellationToken;

    internal ExplanationBuilder(ExplainableModel model, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        _model = model;
        _inputs = inputs;
    }

    /// <summary>Explains these target classes, one per input row (int64 or another integer type). The tensor stays the caller's.</summary>
    /// <param name="targets">Class indices <c>[N]</c>.</param>
    /// <returns>This builder.</returns>
    public ExplanationBuilder For(Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        _targets = targets;
        _targetArray = null;
        _allClasses = false;
        return this;
    }

    /// <summary>Explains these target classes, one per input row.</summary>
    /// <param name="targets">Class indices, N of them.</param>
    /// <returns>This builder.</returns>
    public ExplanationBuilder For(params long[] targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        _targetArray = targets;
        _targets = null;
        _allClasses = false;
        return this;
    }

    /// <summary>Explains the class the trained model predicts for each input (the default).</summary>
    /// <returns>This builder.</returns>
    public ExplanationBuilder ForPredicted()
    {
        _targets = null;
        _targetArray = null;
        _allClasses = false;
        return this;
    }

    /// <summary>
    /// Explains every class of every input: the map is <c>[N, C, …]</c>, <c>map[n, c]</c> being what
    /// <c>For(c)</c> would give for input n. XWP and XWP^c compute every class from the same perturbed passes
    /// (about the cost of one class); other methods run once per class. The explanation's
    /// <see cref="Explanation.Targets"/> are then the classes <c>0 … C−1</c>, and it has no diagnostics.
    /// </summary>
    /// <returns>This builder.</returns>
    public ExplanationBuilder ForAllClasses()
    {
        _targets = null;
        _targetArray = null;
        _allClasses = true;
        return this;
    }

    /// <summary>Chooses the attribution method, e.g. <see cref="Attributions.Xwp(XwpOptions?)"/>.</summary>
    /// <param name="method">The method.</param>
    /// <returns>This builder.</returns>
    public ExplanationBuilder Using(AttributionMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        _method = method;
        return this;
    }

    /// <summary>Inputs per batch (each batch runs in its own native-memory scope). Results do not depend on it.</summary>
    /// <param name="batchSize">At least 1.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    public ExplanationBuilder WithBatchSize(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _batchSize = batchSize;
        return this;
    }

    /// <summary>
    /// The model's class count C, when the caller already knows it from a forward pass of its own (an evaluation's):
    /// given targets are checked against it instead of a one-row probe of the model.
    /// </summary>
    internal ExplanationBuilder WithClassCount(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        _classCount = classes;
        return this;
    }

    /// <summary>Reports progress after every batch.</summary>
    /// <param name="progress">The receiver; null for none.</param>
    /// <returns>This builder.</returns>
    public ExplanationBuilder WithProgress(IProgress<AttributionProgress>? progress)
    {
        _progress = progress;
        return this;
    }

    /// <summary>Lets the run be cancelled between batches.</summary>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>This builder.</returns>
    public ExplanationBuilder WithCancellation(CancellationToken cancellationToken)
    {
        _cancellationToken = cancellationToken;
        return this;
    }

    /// <summary>
    /// Runs the method. Returns a new float32 tensor of the inputs' shape, on the inputs' device,
    /// owned by the caller; the inputs, targets and model are not modified.
    /// </summary>
    /// <returns>The attribution map, of the inputs' shape <c>[N, …]</c> (<c>[N, C, …]</c> after <see cref="ForAllClasses"/>).</returns>
    /// <exception cref="InvalidOperationException">No method was chosen, the model is not trained, its forward function does not return floating-point <c>[N, C]</c>, or it has BatchNorm layers that keep no running statistics (their outputs depend on the batch).</exception>
    /// <exception cref="NotSupportedException">XWP or XWP^c on a model without a first Linear layer and its θ⁰ (an <see cref="Fcnn"/> or an <see cref="XwpModel"/>), or LRP on a model that is not a chain of known layers.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="ArgumentException">Inputs are not a finite float tensor of the model's input shape (<c>[N, D]</c> for an <see cref="Fcnn"/>), targets have the wrong shape or type, or a baseline or feature mask does not fit the inputs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target class is outside <c>[0, C)</c>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Tensor Compute()
    {
        using var explanation = ComputeExplanation();
        return explanation.DetachMap();
    }

    /// <summary>
    /// Runs the method and returns the map together with the targets it explains and the method's
    /// per-input diagnostics (e.g. Integrated Gradients' completeness gap). Dispose the result.
    /// </summary>
    /// <returns>The explanation; the caller owns it.</returns>
    /// <exception cref="InvalidOperationException">No method was chosen, the model is not trained, its forward function does not return floating-point <c>[N, C]</c>, or it has BatchNorm layers that keep no running statistics (their outputs depend on the batch).</exception>
    /// <exception cref="NotSupportedException">XWP or XWP^c on a model without a first Linear layer and its θ⁰ (an <see cref="Fcnn"/> or an <see cref="XwpModel"/>), or LRP on a model that is not a chain of known layers.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="ArgumentException">Inputs are not a finite float tensor of the model's input shape (<c>[N, D]</c> for an <see cref="Fcnn"/>), targets have the wrong shape or type, or a baseline or feature mask does not fit the inputs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target class is outside <c>[0, C)</c>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Explanation ComputeExplanation()
    {
        var method = _method ?? throw new InvalidOperationException("Choose an attribution method with Using(...) before Compute().");
        _model.ThrowIfNotReady();
        InputValidation.CheckInputs(_inputs, _model, "inputs");
        var device = _model.Device;

        using var explaining = _model.BeginExplaining();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Methods view and reshape their batches freely; a strided view (e.g. a transposed tensor) is copied once here.
        var x = _inputs.detach().to(float32).to(device).contiguous();
        // C is needed before any work only to check given targets and to size every class's maps; predicted targets
        // need none (Predict's own pass checks the outputs), so no one-row probe runs for them.
        int Classes() => _classCount ??= ModelOutputs.ClassCount(_model, x);
        var total = x.shape[0];
        var batchSize = _batchSize ?? method.DefaultBatchSize;
        Action<long>? report = _progress is null ? null : done => _progress.Report(new AttributionProgress(method.Name, done, total));
        if (_allClasses)
        {
            var classes = Classes();
            var all = Attribution.Batching.RunAllClasses(method, _model, x, classes, batchSize, report, _cancellationToken);
            return new Explanation(
                method.Name,
                all.to(_inputs.device).MoveToOuterDisposeScope(),
                arange(classes, dtype: int64, device: _inputs.device).MoveToOuterDisposeScope(),
                new Dictionary<string, Tensor>());
        }

        Tensor targets;
        var callersTargets = false;
        var predictInBatch = false;
        if (_targets is not null)
        {
            InputValidation.CheckTargets(_targets, x.shape[0], Classes(), "targets");
            // The conversions return the caller's tensor itself when it already is int64 on the device.
            targets = _targets.to(int64).to(device);
            callersTargets = true;
        }
        else if (_targetArray is not null)
        {
            targets = tensor(_targetArray, int64);
            InputValidation.CheckTargets(targets, x.shape[0], Classes(), "targets");
            targets = targets.to(device);
        }
        else if (_model is Fcnn && method.PredictsTargets && x.shape[0] <= Math.Min(batchSize, ModelOutputs.PredictRows(_model, x)))
        {
            // The method's one forward pass of all rows predicts the classes: the logits of Predict's one pass, bit for bit.
            targets = empty(x.shape[0], dtype: int64, device: device);
            predictInBatch = true;
        }
        else
        {
            targets = ModelOutputs.Predict(_model, x);
        }

        var (map, diagnostics) = Attribution.Batching.Run(
            method,
            _model,
            x,
            targets,
            batchSize,
            report,
            _cancellationToken,
            predictInBatch);
        var home = _inputs.device;
        var named = method.DiagnosticNames
            .Select((name, i) => (name, tensor: diagnostics[i].to(home).MoveToOuterDisposeScope()))
            .ToDictionary(p => p.name, p => p.tensor);
        return new Explanation(
            method.Name,
            map.to(home).MoveToOuterDisposeScope(),
            (callersTargets ? targets.clone() : targets).to(home).MoveToOuterDisposeScope(),
            named);
    }
}
