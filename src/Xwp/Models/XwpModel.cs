using TorchSharp;
using Xwp.Attribution;
using Xwp.Attribution.Xwp;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Any model whose first layer is Linear over the (flattened) input, together with a reference weight θ⁰
/// for that layer (<see cref="FirstLayerSnapshot"/>): what XWP and XWP^c need (docs/methods.md#xwp-on-any-model).
/// Every other method and metric sees the wrapped model unchanged.
/// </summary>
/// <remarks>
/// XWP and XWP^c have two paths. The literal one (<see cref="XwpAlgorithm.RowSwap"/>) writes the perturbed
/// column into the live first-layer weight, runs the whole module and restores the weight afterwards; it
/// works for every such model. The rank-1 one (<see cref="XwpAlgorithm.Rank1"/>, the default) needs the model
/// split into "first Linear" and "the rest": automatic for a TorchSharp or scripted <c>Sequential</c> (after
/// a leading Flatten), or given as <c>rest</c> for a custom module; without a split the literal path runs.
/// Features are the columns of the first layer's weight: inputs <c>[N, …]</c> must hold D values per row,
/// flattened in row-major order, and maps have the inputs' shape.
/// </remarks>
public sealed class XwpModel : ExplainableModel, IDisposable
{
    private readonly ExplainableModel _inner;
    private readonly FirstLinear _first;
    private readonly Tensor _initial;
    private readonly Func<Tensor, Tensor>? _rest;
    private readonly bool _ownsInner;
    private readonly Func<Tensor, Tensor>? _restAfterReLU;
    private readonly NextLinear? _nextLinear;
    private bool _disposed;

    private XwpModel(ExplainableModel inner, FirstLinear first, FirstLayerSnapshot initial, Func<Tensor, Tensor>? rest, bool ownsInner = false)
    {
        _ownsInner = ownsInner;
        if (!initial.Weight.shape.SequenceEqual(first.Weight.shape))
        {
            throw new ArgumentException(
                $"The snapshot's '{initial.WeightName}' has shape {InputValidation.Shape(initial.Weight)}, but the model's '{first.WeightName}' has {InputValidation.Shape(first.Weight)}.",
                nameof(initial));
        }

        _inner = inner;
        _first = first;
        _initial = initial.Weight.to(first.Weight.device).DetachFromDisposeScope();
        if (ReferenceEquals(_initial, initial.Weight))
        {
            _initial = initial.Weight.clone().DetachFromDisposeScope();
        }

        _rest = rest ?? first.Rest;
        _restAfterReLU = rest is null ? first.RestAfterReLU : null;
        _nextLinear = rest is null ? first.NextLinear : null;
    }

    /// <summary>The wrapped model, as every method other than XWP and XWP^c sees it.</summary>
    public ExplainableModel Inner => _inner;

    /// <summary>The first Linear layer's name (e.g. <c>0</c> or <c>fc1</c>).</summary>
    public string FirstLayerName => _first.Name;

    /// <summary>Whether the model splits into its first Linear layer and the rest, so the rank-1 path applies.</summary>
    public bool SplitsAtFirstLayer => _rest is not null;

    /// <inheritdoc/>
    public override ModelOutput Output => _inner.Output;

    /// <inheritdoc/>
    public override Device Device => _inner.Device;

    /// <inheritdoc/>
    public override IReadOnlyList<long>? InputShape => _inner.InputShape;

    /// <inheritdoc/>
    public override ModelStructure Structure => _inner.Structure;

    internal override IReadOnlyList<nn.Module<Tensor, Tensor>>? LrpLayers(Tensor inputs) => _inner.LrpLayers(inputs);

    /// <summary>
    /// Wraps a TorchSharp module (or a loaded TorchScript module's <c>Module</c>) with the reference weight of its
    /// first Linear layer. The module stays yours; its trained weights are read live at every explanation.
    /// </summary>
    /// <param name="module">The trained module, mapping <c>[N, …]</c> to <c>[N, C]</c>.</param>
    /// <param name="initial">The reference weight, from <see cref="FirstLayerSnapshot.Capture"/> or <see cref="FirstLayerSnapshot.Load(string, nn.Module, string?)"/>; its <see cref="FirstLayerSnapshot.LayerName"/> names the layer. It is copied: dispose it when you like.</param>
    /// <param name="output">What the module returns; logits by default.</param>
    /// <param name="rest">
    /// For a module that is not a Sequential: the computation after the first Linear layer, from that layer's
    /// output <c>[M, H]</c> to the module's output <c>[M, C]</c>, so that <c>module(x) = rest(first(flatten(x)))</c>.
    /// It enables the rank-1 path; null uses the Sequential's children, or the literal path.
    /// </param>
    /// <param name="inputShape">The shape of one input without the batch dimension, or null to accept any.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="module"/> or <paramref name="initial"/> is null.</exception>
    /// <exception cref="ArgumentException">The snapshot's layer is not a Linear layer of the module, or its shape differs.</exception>
    public static XwpModel FromModule(nn.Module<Tensor, Tensor> module, FirstLayerSnapshot initial, ModelOutput output = ModelOutput.Logits, Func<Tensor, Tensor>? rest = null, IReadOnlyList<long>? inputShape = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(initial);
        var first = FirstLinear.Locate(module, initial.LayerName, null);
        return new XwpModel(FromModule((nn.IModule<Tensor, Tensor>)module, output, inputShape), first, initial, rest);
    }

    /// <summary>
    /// Wraps a loaded TorchScript model with the reference weight of its first Linear layer (see
    /// <see cref="FirstLayerSnapshot.Load(string, TorchScriptModel, string?)"/>). A scripted Sequential splits at
    /// its first Linear layer by itself. The TorchScript model stays yours: dispose it after this wrapper's last use.
    /// </summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="initial">The reference weight; copied.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="initial"/> is null.</exception>
    /// <exception cref="ArgumentException">The snapshot's layer is not a Linear layer of the model, or its shape differs.</exception>
    public static XwpModel FromTorchScript(TorchScriptModel model, FirstLayerSnapshot initial) => FromTorchScript(model, initial, ownsModel: false);

    /// <summary>Like the public overload; with <paramref name="ownsModel"/> the TorchScript model is disposed with this one.</summary>
    internal static XwpModel FromTorchScript(TorchScriptModel model, FirstLayerSnapshot initial, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(initial);
        var first = FirstLinear.Locate(model.Module, initial.LayerName, model.Layout);
        return new XwpModel(model, first, initial, null, ownsModel);
    }

    /// <summary>Wraps an already located first layer (checkpoint series).</summary>
    internal static XwpModel Wrap(ExplainableModel inner, FirstLinear first, FirstLayerSnapshot initial) => new(inner, first, initial, null);

    /// <summary>Releases the copy of the reference weight (the wrapped module stays yours).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _initial.Dispose();
        if (_ownsInner)
        {
            (_inner as IDisposable)?.Dispose();
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor inputs) => _inner.Forward(inputs);

    internal override FcnnSnapshot? FcnnParameters => null;

    /// <summary>The inner model's module; the first layer's reference weight θ⁰ is a snapshot of its own and is not redrawn.</summary>
    internal override nn.Module? ParameterModule => _inner.ParameterModule;

    internal override string Subject => _inner.Subject;

    internal override FirstLayerAccess FirstLayer => new(
        _first.Weight.detach(),
        _initial,
        WholeWithWeight,
        _rest is null ? null : x => nn.functional.linear(x, _first.Weight.detach(), _first.Bias?.detach()),
        _rest,
        (raw, space) => ModelOutputs.FromModel(this, raw, space, raw.dim() > 0 ? raw.shape[0] : 0),
        budget => ForwardChunks.Rank1Rows(_inner, _first.Weight.shape[0], budget),
        _restAfterReLU,
        _nextLinear);

    internal override void ThrowIfNotReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inner.ThrowIfNotReady();
    }

    internal override IDisposable BeginExplaining() => _inner.BeginExplaining();

    /// <summary>The whole model with the first-layer weight replaced: written into the live parameter, restored afterwards.</summary>
    private Tensor WholeWithWeight(Tensor inputs, Tensor? weight)
    {
        using var noGrad = no_grad();
        var live = _first.Weight;
        if (weight is null)
        {
            return _inner.Forward(inputs);
        }

        using var saved = live.detach().clone();
        try
        {
            live.detach().copy_(weight);
            return _inner.Forward(inputs);
        }
        finally
        {
            live.detach().copy_(saved);
        }
    }
}
