using static TorchSharp.torch;

namespace Xwp.Attribution.Saliency;

/// <summary>Saliency: the gradient of the target's output with respect to the input, by default its absolute value.</summary>
internal sealed class SaliencyAttribution(SaliencyOptions options) : AttributionMethod
{
    public SaliencyOptions Options { get; } = options;

    public override string Name => "saliency";

    /// <summary>The gradient is new to each batch; its absolute value is taken in place when its layout allows.</summary>
    internal override bool ReturnsOwnedMap => true;

    /// <summary>The gradient's forward pass gives the predicted classes too.</summary>
    internal override bool PredictsTargets => true;

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        var gradient = ModelOutputs.TargetGradient(batch.Model, batch.Inputs, batch.Targets, Options.OutputSpace, batch.PredictTargets);
        return !Options.Absolute ? gradient : gradient.is_contiguous() ? gradient.abs_() : gradient.abs();
    }
}
