using static TorchSharp.torch;

namespace Xwp.Attribution.Xwp;

/// <summary>XWP (paper eq. 3–4): how much the output changes when feature i's first-layer weights return to θ⁰.</summary>
internal sealed class XwpAttribution(XwpOptions options) : AttributionMethod
{
    public XwpOptions Options { get; } = options;

    public override string Name => "xwp";

    internal override Tensor AttributeBatch(Fcnn model, Tensor inputs, Tensor targets, CancellationToken cancellationToken) =>
        Options.Algorithm == XwpAlgorithm.Rank1
            ? FirstLayerPerturbation.Rank1(model, inputs, targets, Perturbation.ResetFeature, ComplementSign.ByItself, Options.OutputSpace, Options.MemoryBudgetBytes, cancellationToken)
            : FirstLayerPerturbation.RowSwap(model, inputs, targets, Perturbation.ResetFeature, ComplementSign.ByItself, Options.OutputSpace, cancellationToken);
}
