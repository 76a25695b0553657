using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// One batch as a metric sees it: float32 inputs and maps flattened to <c>[B, D]</c> (row-major within an
/// input) and int64 targets <c>[B]</c>, validated and on the model's device. Never modify them.
/// <see cref="InputShape"/> is the shape of one input, for the forward function; <see cref="Offset"/> is the
/// run's index of the batch's first input (per-input seeds derive from it, so results do not depend on the batch size).
/// </summary>
internal sealed record MetricBatch(ExplainableModel Model, long[] InputShape, Tensor Inputs, Tensor Targets, Tensor Maps, CancellationToken CancellationToken, long Offset = 0)
{
    /// <summary>Softmax probabilities <c>[M, C]</c> for flattened inputs <c>[M, D]</c> (probabilities as they are for a model that returns them).</summary>
    public Tensor Probabilities(Tensor flatInputs) => MetricForward.Probabilities(Model, InputShape, flatInputs);
}

/// <summary>The model's class probabilities for flattened inputs: the one forward function every metric uses.</summary>
internal static class MetricForward
{
    /// <summary>Softmax probabilities <c>[M, C]</c> for inputs <c>[M, D]</c> viewed as <c>[M, …inputShape]</c> (no gradient).</summary>
    public static Tensor Probabilities(ExplainableModel model, long[] inputShape, Tensor flatInputs) =>
        Scores(model, inputShape, flatInputs, CurveScore.Probability);

    /// <summary>
    /// Softmax probabilities or logits <c>[M, C]</c> for inputs <c>[M, D]</c> viewed as <c>[M, …inputShape]</c>
    /// (no gradient). Logits of a model that returns probabilities are unknown: that throws
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public static Tensor Scores(ExplainableModel model, long[] inputShape, Tensor flatInputs, CurveScore score)
    {
        using var noGrad = no_grad();
        var space = score == CurveScore.Probability ? OutputSpace.Probabilities : OutputSpace.Logits;
        if (model is Fcnn fcnn)
        {
            return Attribution.ModelOutputs.FromLogits(fcnn.Trained.Logits(flatInputs), space);
        }

        var rows = flatInputs.shape[0];
        return Attribution.ModelOutputs.Evaluate(model, flatInputs.view([rows, .. inputShape]), space);
    }
}

/// <summary>
/// A metric's output for one batch, in the batch's dispose scope: one float64 value per image
/// (NaN for an image the metric cannot score) and, for curve metrics, the curves <c>[B, S + 1]</c>.
/// </summary>
internal sealed record MetricBatchScores(Tensor Values, Tensor? Curves);
