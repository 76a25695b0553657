using TorchSharp;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// A model as attribution methods and metrics see it: a forward function from inputs <c>[N, …]</c> (any
/// per-input shape) to outputs <c>[N, C]</c>, logits or probabilities as <see cref="Output"/> says, with
/// optional knowledge of its structure that methods may use for exact fast paths (Captum's
/// <c>forward_func</c>, plus what Captum cannot know). <see cref="Fcnn"/> is one implementation; wrap any
/// TorchSharp module with <see cref="FromModule"/>, or derive from this class.
/// </summary>
/// <remarks>
/// Methods call <see cref="Forward"/> on batches of perturbed or interpolated inputs, under
/// <c>torch.no_grad()</c> or, for gradient methods, with autograd enabled on a detached copy of the
/// input. Rows must be independent: row i of the output may depend only on row i of the input (so
/// BatchNorm and Dropout must be in eval mode; <see cref="FromModule"/> sees to it while explaining).
/// </remarks>
public abstract class ExplainableModel
{
    /// <summary>Creates the model description; derived classes supply the forward function.</summary>
    protected ExplainableModel()
    {
    }

    /// <summary>What <see cref="Forward"/> returns: logits (the default of <see cref="FromModule"/>) or probabilities.</summary>
    public abstract ModelOutput Output { get; }

    /// <summary>The device the model lives on; explanations run there and inputs are moved there.</summary>
    public abstract Device Device { get; }

    /// <summary>
    /// The shape of one input (without the batch dimension), when the model knows it (e.g. <c>[D]</c> for an
    /// <see cref="Fcnn"/>); null when any shape is accepted and the inputs decide.
    /// </summary>
    public virtual IReadOnlyList<long>? InputShape => null;

    /// <summary>What is known about the model's structure beyond its forward function; <see cref="ModelStructure.Opaque"/> by default.</summary>
    public virtual ModelStructure Structure => ModelStructure.Opaque;

    /// <summary>
    /// The forward function: a new tensor <c>[N, C]</c> (float) for inputs <c>[N, …]</c> (float32 on
    /// <see cref="Device"/>). It must not modify its argument and must be differentiable with respect to
    /// it for the gradient methods.
    /// </summary>
    /// <param name="inputs">Float32 inputs <c>[N, …]</c> on the model's device.</param>
    /// <returns>Logits or probabilities <c>[N, C]</c>, as <see cref="Output"/> says.</returns>
    public abstract Tensor Forward(Tensor inputs);

    /// <summary>
    /// Wraps a TorchSharp module (e.g. your own <c>nn.Sequential</c>, or a TorchScript module loaded with
    /// <c>torch.jit.load&lt;Tensor, Tensor&gt;</c>; <see cref="TorchScriptModel.Load"/> loads and owns one) whose forward maps <c>[N, …]</c> to <c>[N, C]</c>. The module stays yours: it is
    /// not disposed, and while an explanation or evaluation runs it is put in eval mode (its previous mode
    /// is restored afterwards). A <c>Sequential</c> module's children are recorded as its
    /// <see cref="ModelStructure.Layers"/>.
    /// </summary>
    /// <param name="module">The module; its parameters decide <see cref="Device"/>.</param>
    /// <param name="output">What the module returns; logits by default.</param>
    /// <param name="inputShape">The shape of one input without the batch dimension, or null to accept any.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="module"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="output"/> is not a defined value, or a size in <paramref name="inputShape"/> is below 1.</exception>
    public static ExplainableModel FromModule(nn.IModule<Tensor, Tensor> module, ModelOutput output = ModelOutput.Logits, IReadOnlyList<long>? inputShape = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckOutput(output);
        CheckShape(inputShape);
        return new ModuleModel(module, output, inputShape?.ToArray());
    }

    /// <summary>
    /// Wraps a forward function, as Captum's <c>forward_func</c>: anything that maps float32 inputs
    /// <c>[N, …]</c> on <paramref name="device"/> to outputs <c>[N, C]</c>, differentiably for the gradient methods.
    /// </summary>
    /// <param name="forward">The function; it must not modify its argument.</param>
    /// <param name="output">What it returns; logits by default.</param>
    /// <param name="device">Where inputs are moved before the call; null for the CPU.</param>
    /// <param name="inputShape">The shape of one input without the batch dimension, or null to accept any.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="forward"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="output"/> is not a defined value, or a size in <paramref name="inputShape"/> is below 1.</exception>
    public static ExplainableModel FromFunction(Func<Tensor, Tensor> forward, ModelOutput output = ModelOutput.Logits, Device? device = null, IReadOnlyList<long>? inputShape = null)
    {
        ArgumentNullException.ThrowIfNull(forward);
        CheckOutput(output);
        CheckShape(inputShape);
        return new FunctionModel(forward, output, device ?? CPU, inputShape?.ToArray());
    }

    /// <summary>The exact FCNN parameters θ when the model is an <see cref="Fcnn"/>, for the fast paths; null otherwise.</summary>
    internal virtual FcnnSnapshot? FcnnParameters => null;

    /// <summary>
    /// How messages name the model, as the subject of a sentence: <c>The TorchScript model 'm.pt'</c> for a loaded file,
    /// <c>The module (Sequential)</c> for a TorchSharp module, <c>The model</c> otherwise.
    /// </summary>
    internal virtual string Subject => "The model";

    /// <summary>
    /// The module whose parameters define the model (a TorchSharp module or a loaded TorchScript module), for the
    /// randomisation test, which redraws them in place and restores them; null when the parameters are unknown
    /// (a forward function) or the model is an <see cref="Fcnn"/> (randomised through its snapshots).
    /// </summary>
    internal virtual nn.Module? ParameterModule => null;

    /// <summary>The first Linear layer and its reference weight, for XWP and XWP^c; null when the model has none.</summary>
    internal virtual Attribution.Xwp.FirstLayerAccess? FirstLayer => null;

    /// <summary>
    /// The layers LRP propagates through on <paramref name="inputs"/>, in forward order: <see cref="ModelStructure.Layers"/>
    /// unless the model rebuilds them (a scripted Sequential); null when the model is not a chain of known layers.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is a chain, but one LRP cannot follow; the message names the layer.</exception>
    internal virtual IReadOnlyList<nn.Module<Tensor, Tensor>>? LrpLayers(Tensor inputs) => Structure.Layers;

    /// <summary>Throws when the model cannot be run (disposed, or without the parameters it needs).</summary>
    internal virtual void ThrowIfNotReady()
    {
    }

    /// <summary>Puts the model in the state explanations need (eval mode); disposing the result restores it.</summary>
    internal virtual IDisposable BeginExplaining() => NoState.Instance;

    private static void CheckOutput(ModelOutput output)
    {
        if (!Enum.IsDefined(output))
        {
            throw new ArgumentOutOfRangeException(nameof(output), output, "Unknown model output.");
        }
    }

    private static void CheckShape(IReadOnlyList<long>? shape)
    {
        if (shape is not null && shape.Any(s => s < 1))
        {
            throw new ArgumentOutOfRangeException("inputShape", $"[{string.Join(", ", shape)}]", "Every size of the input shape must be at least 1.");
        }
    }

    private sealed class NoState : IDisposable
    {
        public static readonly NoState Instance = new();

        public void Dispose()
        {
        }
    }
}
