using static TorchSharp.torch;

namespace Xwp.Attribution.InputMagnitude;

/// <summary>The input's magnitude <c>|x|</c>, ignoring the model and the target.</summary>
internal sealed class InputMagnitudeAttribution : AttributionMethod
{
    public override string Name => "input-magnitude";

    /// <summary>The absolute values are a new tensor.</summary>
    internal override bool ReturnsOwnedMap => true;

    internal override Tensor AttributeBatch(AttributionBatch batch) => batch.Inputs.abs();
}
