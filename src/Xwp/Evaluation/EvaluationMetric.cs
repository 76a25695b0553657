using Xwp.Evaluation;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// A faithfulness metric of attribution maps: it perturbs inputs in the order a map ranks their
/// features (decreasing attribution, ties → lower feature index) and watches the target's softmax
/// probability. Create metrics through <see cref="Metrics"/> (or derive from <see cref="CustomEvaluationMetric"/>);
/// score maps with <see cref="Score"/> or
/// compare methods with <see cref="EvaluateExtensions.Evaluate(ExplainableModel, Tensor, Tensor)"/>.
/// </summary>
/// <remarks>Metrics are immutable and can be reused across models and threads.</remarks>
public abstract class EvaluationMetric
{
    /// <summary>Images per batch of <see cref="Score"/> when the caller does not choose.</summary>
    public const int DefaultBatchSize = 128;

    private protected EvaluationMetric()
    {
    }

    /// <summary>The metric's key in reports and JSON, e.g. <c>deletion_auc</c>, <c>average_drop</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The name tables print, e.g. <c>Deletion AUC</c>.</summary>
    public abstract string DisplayName { get; }

    /// <summary>Whether larger or smaller values mean a better explanation.</summary>
    public abstract MetricDirection Direction { get; }

    /// <summary>Whether the metric records a curve per image (Deletion and Insertion AUC).</summary>
    public virtual bool HasCurves => false;

    /// <summary>
    /// The values every image's score is known to lie in, whatever the model (e.g. [0, 1] for Increase in
    /// Confidence, [0, ∞) for Average Drop): the mean's interval is clipped to it (docs/methods.md#confidence-intervals).
    /// Unbounded sides are infinite.
    /// </summary>
    internal virtual (double Lower, double Upper) Range => (double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>
    /// Scores attribution maps — computed by Xwp or loaded from a file — of <paramref name="inputs"/>
    /// for <paramref name="targets"/> on <paramref name="model"/>. Batched: one forward pass per step
    /// for all images of a batch. Nothing passed in is modified.
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="inputs">Inputs <c>[N, …]</c> (<c>[N, D]</c> for an <see cref="Fcnn"/>), floating point.</param>
    /// <param name="targets">Target classes <c>[N]</c>, integer.</param>
    /// <param name="maps">Attribution maps of the inputs' shape, floating point, finite; features are ranked over the whole input.</param>
    /// <param name="batchSize">Images per batch; results do not depend on it. Default <see cref="DefaultBatchSize"/>.</param>
    /// <param name="cancellationToken">Cancels between batches (and between chunks of steps).</param>
    /// <returns>Per-image values, their statistics (95% t-interval) and, for curve metrics, the curves; <see cref="MetricResult.Method"/> is <c>maps</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A tensor has the wrong shape or type, holds NaN or an infinity, or a per-feature removal value has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1, or a target is outside <c>[0, C)</c>.</exception>
    /// <exception cref="InvalidOperationException">The model is not trained, its outputs are not floating point, or it has BatchNorm layers that keep no running statistics (their outputs depend on the batch).</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public MetricResult Score(ExplainableModel model, Tensor inputs, Tensor targets, Tensor maps, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        model.ThrowIfNotReady();
        InputValidation.CheckInputs(inputs, model, nameof(inputs));
        InputValidation.CheckInputs(maps, model, nameof(maps), "Attribution maps");
        if (!maps.shape.SequenceEqual(inputs.shape))
        {
            throw new ArgumentException($"Expected maps of the inputs' shape {InputValidation.Shape(inputs)}, got {InputValidation.Shape(maps)}.", nameof(maps));
        }

        var inputShape = inputs.shape.Skip(1).ToArray();
        var features = checked((int)inputShape.Aggregate(1L, (a, b) => a * b));
        Check(features);
        using var explaining = model.BeginExplaining();
        using var scope = NewDisposeScope();
        var device = model.Device;
        var rows = inputs.shape[0];
        var x = inputs.detach().to(float32).to(device);
        InputValidation.CheckTargets(targets, rows, Attribution.ModelOutputs.ClassCount(model, x), nameof(targets));
        var t = targets.to(int64).to(device);
        var m = maps.detach().to(float32).to(device);
        var scores = MetricScoring.Run(this, model, inputShape, x.reshape(rows, features), t, m.reshape(rows, features), batchSize, null, cancellationToken);
        return MetricResult.Create("maps", this, features, scores.Values, scores.Curves, SampleStatistics.DefaultConfidenceLevel);
    }

    /// <summary>The metric's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;

    /// <summary>Throws <see cref="ArgumentException"/> when the options do not fit inputs with <paramref name="features"/> features.</summary>
    internal abstract void Check(int features);

    /// <summary>The settings used on inputs with <paramref name="features"/> features, as reports print them.</summary>
    internal abstract IReadOnlyDictionary<string, string> Settings(int features);

    /// <summary>The x coordinate of every curve point, in [0, 1]; empty for metrics without curves.</summary>
    internal virtual IReadOnlyList<double> CurveFractions(int features) => [];

    /// <summary>Scores one batch; runs inside a dispose scope owned by the caller.</summary>
    internal abstract MetricBatchScores ScoreBatch(MetricBatch batch);
}
