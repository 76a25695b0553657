using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>The per-image term of both Average Drops: <c>max(0, Y − O) / Y</c>, or NaN where Y is below the minimum.</summary>
internal static class ConfidenceDrop
{
    /// <summary>float64 <c>[B]</c> from the target probabilities on the original (Y) and the perturbed (O) inputs.</summary>
    public static Tensor Relative(Tensor original, Tensor perturbed, double minimumTargetProbability)
    {
        var y = original.to(float64);
        var o = perturbed.to(float64);
        var drop = y.sub(o).clamp_min_(0).div_(y.clamp_min(minimumTargetProbability));
        return drop.masked_fill_(y.lt(minimumTargetProbability), double.NaN);
    }

    /// <summary>Target probabilities of the original and the perturbed inputs, in one forward pass.</summary>
    public static (Tensor Original, Tensor Perturbed) TargetProbabilities(Fcnn model, Tensor inputs, Tensor perturbed, Tensor targets)
    {
        using var noGrad = no_grad();
        var rows = inputs.shape[0];
        var logits = model.Trained.Logits(cat([inputs, perturbed], 0));
        var p = Ranking.TargetProbabilities(logits, cat([targets, targets], 0));
        return (p.narrow(0, 0, rows), p.narrow(0, rows, rows));
    }
}
