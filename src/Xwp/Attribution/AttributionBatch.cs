using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// One batch of an attribution run, as a method sees it: validated float32 inputs <c>[B, …]</c> and
/// int64 targets <c>[B]</c> on the model's device, and where the batch starts in the whole run.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Inputs">Float32 <c>[B, …]</c> (<c>[B, D]</c> for an <see cref="Fcnn"/>); never modify it.</param>
/// <param name="Targets">Int64 <c>[B]</c>, each in <c>[0, C)</c>.</param>
/// <param name="Offset">Index of the batch's first row in the whole run. Seeded methods derive each row's
/// random stream from (seed, Offset + row) so that results do not depend on the batch size.</param>
/// <param name="CancellationToken">Check it between chunks of work.</param>
internal sealed record AttributionBatch(ExplainableModel Model, Tensor Inputs, Tensor Targets, long Offset, CancellationToken CancellationToken)
{
    /// <summary>The model when it is an <see cref="global::Xwp.Fcnn"/> (the exact fast paths apply); null otherwise.</summary>
    public Fcnn? Fcnn => Model as Fcnn;

    /// <summary>
    /// True when <see cref="Targets"/> does not hold the classes yet: the method writes the predicted ones into it (the
    /// argmax of the forward function's outputs, as <c>ModelOutputs.Predict</c> takes it) from its own forward pass,
    /// before it uses them. Only methods whose <see cref="AttributionMethod.PredictsTargets"/> is true get such batches.
    /// </summary>
    public bool PredictTargets { get; init; }

    /// <summary>
    /// The model's logits <c>[B, C]</c> for <see cref="Inputs"/>, left here by a method whose own forward pass computed
    /// them exactly as the model's forward function does (LRP on an <see cref="global::Xwp.Fcnn"/>), so that its
    /// diagnostics need no second pass; null otherwise. They live in the batch's dispose scope and have not been checked.
    /// </summary>
    public Tensor? ForwardLogits { get; set; }

    /// <summary>Features per input, D: the product of the per-input dimensions.</summary>
    public long Features => Inputs.shape.Skip(1).Aggregate(1L, (a, b) => a * b);

    /// <summary>The model as an <see cref="global::Xwp.Fcnn"/>, for methods defined only on FCNNs.</summary>
    /// <exception cref="NotSupportedException">The model is not an <see cref="global::Xwp.Fcnn"/>; the message names the method.</exception>
    public Fcnn RequireFcnn(string method) => Fcnn ?? throw new NotSupportedException(
        $"The method '{method}' needs an Fcnn (its snapshots or its layers); this model is a {Model.GetType().Name}. " +
        "Occlusion, feature ablation, KernelSHAP, Shapley value sampling, RISE, Integrated Gradients, saliency, Input×Gradient, random and input magnitude work on any model; LRP on nn.Sequential chains.");

    /// <summary>The model's first Linear layer and its reference weights, for XWP and XWP^c.</summary>
    /// <exception cref="NotSupportedException">The model does not expose them; the message says how to and which methods work without.</exception>
    public global::Xwp.Attribution.Xwp.FirstLayerAccess RequireFirstLayer(string method) => Model.FirstLayer ?? throw new NotSupportedException(
        $"The method '{method}' needs the model's first Linear layer and its initial weights θ⁰; this model ({Model.GetType().Name}) does not provide them. " +
        "Wrap your module with XwpModel.FromModule(module, initialSnapshot) (an Fcnn has them already). " +
        "Occlusion, feature ablation, KernelSHAP, Shapley value sampling, RISE, Integrated Gradients, saliency, Input×Gradient, random and input magnitude work on any model; LRP on nn.Sequential chains.");
}
