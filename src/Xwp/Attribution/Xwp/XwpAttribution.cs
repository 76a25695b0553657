using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp.Attribution.Xwp;

/// <summary>XWP (paper eq. 3–4): how much the output changes when feature i's first-layer weights return to θ⁰.</summary>
internal sealed class XwpAttribution(XwpOptions options) : AttributionMethod
{
    public XwpOptions Options { get; } = options;

    public override string Name => "xwp";

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        Options.Algorithm == XwpAlgorithm.Rank1
            ? FirstLayerPerturbation.Rank1(batch.RequireFcnn(Name), batch.Inputs, batch.Targets, Perturbation.ResetFeature, ComplementSign.ByItself, Options.OutputSpace, Options.MemoryBudgetBytes, batch.CancellationToken)
            : FirstLayerPerturbation.RowSwap(batch.RequireFcnn(Name), batch.Inputs, batch.Targets, Perturbation.ResetFeature, ComplementSign.ByItself, Options.OutputSpace, batch.CancellationToken);
}
