using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Maps the caller already has (e.g. loaded from a .npy file), presented as an attribution method so
/// that the evaluation runner treats them like any other. Row r of a batch is row <c>Offset + r</c> of the maps.
/// </summary>
internal sealed class PrecomputedMaps(string name, Tensor maps) : AttributionMethod
{
    public override string Name => name;

    internal override int DefaultBatchSize => 4096;

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        maps.narrow(0, batch.Offset, batch.Inputs.shape[0]).to(float32).to(batch.Inputs.device);
}
