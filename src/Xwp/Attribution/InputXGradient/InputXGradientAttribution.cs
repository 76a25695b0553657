using static TorchSharp.torch;

namespace Xwp.Attribution.InputXGradient;

/// <summary>Input×Gradient: <c>x ⊙ ∂f_t/∂x</c>.</summary>
internal sealed class InputXGradientAttribution(InputXGradientOptions options) : AttributionMethod
{
    public InputXGradientOptions Options { get; } = options;

    public override string Name => "inputxgradient";

    /// <summary>The map is the batch's new gradient, multiplied by the inputs in place.</summary>
    internal override bool ReturnsOwnedMap => true;

    /// <summary>The gradient's forward pass gives the predicted classes too.</summary>
    internal override bool PredictsTargets => true;

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        ModelOutputs.TargetGradient(batch.Model, batch.Inputs, batch.Targets, Options.OutputSpace, batch.PredictTargets).mul_(batch.Inputs);
}
