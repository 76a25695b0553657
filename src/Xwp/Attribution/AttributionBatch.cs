using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// One batch of an attribution run, as a method sees it: validated float32 inputs <c>[B, D]</c> and
/// int64 targets <c>[B]</c> on the model's device, and where the batch starts in the whole run.
/// </summary>
/// <param name="Model">The trained model.</param>
/// <param name="Inputs">Float32 <c>[B, D]</c>; never modify it.</param>
/// <param name="Targets">Int64 <c>[B]</c>, each in <c>[0, C)</c>.</param>
/// <param name="Offset">Index of the batch's first row in the whole run. Seeded methods derive each row's
/// random stream from (seed, Offset + row) so that results do not depend on the batch size.</param>
/// <param name="CancellationToken">Check it between chunks of work.</param>
internal sealed record AttributionBatch(Fcnn Model, Tensor Inputs, Tensor Targets, long Offset, CancellationToken CancellationToken);
