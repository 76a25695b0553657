using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// An attribution method: given a model, inputs <c>[N, …]</c> and target classes <c>[N]</c>, it
/// returns a new map of the inputs' shape with one score per input feature. Create methods through
/// <see cref="Attributions"/> and run them with <see cref="ExplainExtensions.Explain"/>; derive from
/// <see cref="CustomAttributionMethod"/> to add your own.
/// </summary>
/// <remarks>Methods are immutable and can be reused across models and threads.</remarks>
public abstract class AttributionMethod
{
    private protected AttributionMethod()
    {
    }

    /// <summary>A short, stable name (e.g. <c>xwp</c>, <c>xwpc</c>), used in reports and on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Names of the per-input diagnostics the method reports in <see cref="Explanation.Diagnostics"/>
    /// (e.g. Integrated Gradients' completeness gap); empty when it reports none.
    /// </summary>
    public virtual IReadOnlyList<string> DiagnosticNames => [];

    /// <summary>Images per batch when the caller does not choose.</summary>
    internal virtual int DefaultBatchSize => 256;

    /// <summary>
    /// True when <see cref="AttributeBatch"/> always returns a tensor it created, whose storage nothing else
    /// shares (not the batch's inputs, not the model's parameters, no cache of the method). A run whose one
    /// batch covers every input then hands that tensor to the caller instead of copying it into a new map.
    /// </summary>
    internal virtual bool ReturnsOwnedMap => false;

    /// <summary>
    /// True when <see cref="AttributeBatch"/> can take a batch whose targets are still to be predicted
    /// (<see cref="AttributionBatch.PredictTargets"/>) on an <see cref="Fcnn"/>: its own forward pass of the whole batch
    /// gives the same logits as the prediction pass would, so the explanation needs no separate one.
    /// </summary>
    internal virtual bool PredictsTargets => false;

    /// <summary>
    /// Attributes one batch. Runs inside a dispose scope owned by the caller, which copies the
    /// result (float32 <c>[B, D]</c>) out, or moves it out when <see cref="ReturnsOwnedMap"/> allows.
    /// </summary>
    internal abstract Tensor AttributeBatch(AttributionBatch batch);

    /// <summary>
    /// Every class's map of one batch at once, float32 <c>[B, C, …]</c>, when the method can do better than
    /// one run per class (XWP and XWP^c: every class from the same perturbed passes); null to loop over classes.
    /// The batch's targets are meaningless here.
    /// </summary>
    internal virtual Tensor? AttributeAllClasses(AttributionBatch batch, long classes) => null;

    /// <summary>
    /// Per-input diagnostics of a batch's map, one float <c>[B]</c> tensor per name in
    /// <see cref="DiagnosticNames"/>, in that order. Runs in the batch's dispose scope.
    /// </summary>
    internal virtual Tensor[] Diagnose(AttributionBatch batch, Tensor map) => [];

    /// <summary>The method's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}
