using Xwp.Attribution;
using Xwp.Attribution.Xwp;
using static TorchSharp.torch;

namespace Xwp.Attribution.XwpComplement;

/// <summary>XWP^c (paper eq. 5, sign per docs/methods.md#the-sign-of-xwpc): the effect of feature i's trained weights when every other column is at θ⁰.</summary>
internal sealed class XwpComplementAttribution(XwpComplementOptions options) : AttributionMethod
{
    public XwpComplementOptions Options { get; } = options;

    public override string Name => "xwpc";

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        Options.Algorithm == XwpAlgorithm.Rank1
            ? FirstLayerPerturbation.Rank1(batch.RequireFcnn(Name), batch.Inputs, batch.Targets, Perturbation.KeepFeature, Options.Sign, Options.OutputSpace, Options.MemoryBudgetBytes, batch.CancellationToken)
            : FirstLayerPerturbation.RowSwap(batch.RequireFcnn(Name), batch.Inputs, batch.Targets, Perturbation.KeepFeature, Options.Sign, Options.OutputSpace, batch.CancellationToken);
}
