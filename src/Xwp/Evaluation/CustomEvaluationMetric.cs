using Xwp.Evaluation;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The base class of a metric of your own: implement <see cref="EvaluationMetric.Name"/>,
/// <see cref="EvaluationMetric.DisplayName"/>, <see cref="EvaluationMetric.Direction"/> and
/// <see cref="Score(ExplainableModel, Tensor, Tensor, Tensor, CancellationToken)"/>, and the metric runs in
/// <see cref="EvaluationMetric.Score(ExplainableModel, Tensor, Tensor, Tensor, int, CancellationToken)"/> and the
/// evaluation runner like the built-in ones (validation, batching, statistics, paired tests, reports).
/// </summary>
public abstract class CustomEvaluationMetric : EvaluationMetric
{
    /// <summary>Creates the metric.</summary>
    protected CustomEvaluationMetric()
    {
    }

    /// <summary>
    /// Scores one batch. Runs inside a dispose scope that the library owns and under <c>torch.no_grad()</c>:
    /// create temporaries freely. Run the model through <see cref="ExplainableModel.Forward"/>.
    /// </summary>
    /// <param name="model">The model, in eval mode while the run lasts.</param>
    /// <param name="inputs">Float32 inputs <c>[B, …]</c> on the model's device; do not modify them.</param>
    /// <param name="targets">Int64 target classes <c>[B]</c>.</param>
    /// <param name="maps">Float32 attribution maps of the inputs' shape, finite.</param>
    /// <param name="cancellationToken">Check it between chunks of long work.</param>
    /// <returns>One value per input <c>[B]</c> (any float type); NaN marks an input the metric cannot score.</returns>
    protected abstract Tensor Score(ExplainableModel model, Tensor inputs, Tensor targets, Tensor maps, CancellationToken cancellationToken);

    internal sealed override void Check(int features)
    {
    }

    internal override IReadOnlyDictionary<string, string> Settings(int features) => new Dictionary<string, string>();

    internal sealed override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        using var noGrad = no_grad();
        var rows = batch.Inputs.shape[0];
        long[] shape = [rows, .. batch.InputShape];
        var values = Score(batch.Model, batch.Inputs.view(shape), batch.Targets, batch.Maps.view(shape), batch.CancellationToken)
            ?? throw new InvalidOperationException($"The metric '{Name}' returned no values.");
        if (values.dim() != 1 || values.shape[0] != rows)
        {
            throw new InvalidOperationException($"The metric '{Name}' returned shape {InputValidation.Shape(values)} for {rows} inputs; expected [{rows}].");
        }

        return new MetricBatchScores(values.to(float64), null);
    }
}
