using static TorchSharp.torch;

namespace Xwp.Attribution.Xwp;

/// <summary>
/// What XWP and XWP^c need of a model (docs/methods.md#xwp-on-any-model): the trained first-layer weight
/// W <c>[H, D]</c> and its reference W⁰, the whole forward pass with a replaced first-layer weight (the
/// literal path), and, when the model splits into "first Linear" and "the rest", the first layer's
/// pre-activation and the rest as a function of it (the rank-1 path).
/// </summary>
/// <param name="Weight">The trained first-layer weight W <c>[H, D]</c> (read only).</param>
/// <param name="Initial">The reference weight W⁰ <c>[H, D]</c>, on W's device.</param>
/// <param name="WholeWithWeight">Raw outputs <c>[M, C]</c> of the whole model for inputs <c>[M, …]</c> with the first-layer weight replaced by the given one (null: as trained).</param>
/// <param name="FirstPreActivation">Flattened inputs <c>[M, D]</c> → <c>x Wᵀ + b</c> <c>[M, H]</c>; null when the model does not split.</param>
/// <param name="Rest">First-layer pre-activations <c>[M, H]</c> → raw outputs <c>[M, C]</c>; it may overwrite its argument. Null when the model does not split.</param>
/// <param name="ToOutputs">Raw outputs → what f measures in the given output space.</param>
/// <param name="ChunkRows">Pre-activation rows per pass of <see cref="Rest"/> for a memory budget in bytes.</param>
/// <param name="RestAfterReLU">
/// When the rest begins with a ReLU of the first pre-activation: the rest after that ReLU, from activations
/// <c>[M, H]</c> to raw outputs <c>[M, C]</c> (it may overwrite its argument), so that the rank-1 path applies the
/// ReLU while it builds the perturbed rows. Null otherwise.
/// </param>
/// <param name="NextLinear">
/// When, moreover, the layer after that ReLU is Linear: that layer and the rest after it, so that the rank-1
/// path can leave out, per image, the units the ReLU zeroes in every perturbed row (<see cref="ActiveUnitPasses"/>).
/// Null otherwise.
/// </param>
internal sealed record FirstLayerAccess(
    Tensor Weight,
    Tensor Initial,
    Func<Tensor, Tensor?, Tensor> WholeWithWeight,
    Func<Tensor, Tensor>? FirstPreActivation,
    Func<Tensor, Tensor>? Rest,
    Func<Tensor, OutputSpace, Tensor> ToOutputs,
    Func<long, long> ChunkRows,
    Func<Tensor, Tensor>? RestAfterReLU = null,
    NextLinear? NextLinear = null)
{
    /// <summary>Whether the rank-1 path applies.</summary>
    public bool Splits => FirstPreActivation is not null && Rest is not null;
}
