using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// One batch as a metric sees it: float32 inputs and maps <c>[B, D]</c> and int64 targets <c>[B]</c>,
/// validated and on the model's device. Never modify them.
/// </summary>
internal sealed record MetricBatch(Fcnn Model, Tensor Inputs, Tensor Targets, Tensor Maps, CancellationToken CancellationToken);

/// <summary>
/// A metric's output for one batch, in the batch's dispose scope: one float64 value per image
/// (NaN for an image the metric cannot score) and, for curve metrics, the curves <c>[B, S + 1]</c>.
/// </summary>
internal sealed record MetricBatchScores(Tensor Values, Tensor? Curves);
