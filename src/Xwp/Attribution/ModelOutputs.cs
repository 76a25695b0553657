using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// The trained network's outputs as attribution methods need them: whole output rows, the target's
/// score, and the target score's gradient with respect to the input. Every method goes through
/// these, so "probabilities or logits" means the same thing everywhere.
/// </summary>
internal static class ModelOutputs
{
    /// <summary>The outputs a method measures: softmax probabilities over classes, or the logits themselves.</summary>
    public static Tensor FromLogits(Tensor logits, OutputSpace space) =>
        space == OutputSpace.Probabilities ? logits.softmax(1) : logits;

    /// <summary>Outputs <c>[M, C]</c> of the trained network θ (no gradient).</summary>
    public static Tensor Evaluate(Fcnn model, Tensor inputs, OutputSpace space)
    {
        using var noGrad = no_grad();
        var logits = model.Trained.Logits(inputs);
        return FromLogits(logits, space);
    }

    /// <summary>The target's output <c>[M]</c> for each row (no gradient); <paramref name="targets"/> is int64 <c>[M]</c>.</summary>
    public static Tensor TargetScores(Fcnn model, Tensor inputs, Tensor targets, OutputSpace space) =>
        Evaluate(model, inputs, space).gather(1, targets.unsqueeze(1)).squeeze(1);

    /// <summary>
    /// The gradient <c>[M, D]</c> of each row's target output with respect to that row's input, on a
    /// detached copy of the inputs (rows are independent, so one backward pass of the sum serves all).
    /// </summary>
    public static Tensor TargetGradient(Fcnn model, Tensor inputs, Tensor targets, OutputSpace space)
    {
        using var grad = enable_grad();
        var x = inputs.detach().clone().requires_grad_(true);
        var logits = model.Trained.Logits(x);
        var outputs = FromLogits(logits, space);
        var selected = outputs.gather(1, targets.unsqueeze(1)).sum();
        var gradients = autograd.grad([selected], [x]);
        return gradients[0].detach();
    }
}
