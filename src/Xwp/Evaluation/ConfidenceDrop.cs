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
    public static (Tensor Original, Tensor Perturbed) TargetProbabilities(MetricBatch batch, Tensor perturbed)
    {
        using var noGrad = no_grad();
        var rows = batch.Inputs.shape[0];
        var probabilities = batch.Probabilities(cat([batch.Inputs, perturbed], 0));
        var p = probabilities.gather(1, cat([batch.Targets, batch.Targets], 0).unsqueeze(1)).squeeze(1);
        return (p.narrow(0, 0, rows), p.narrow(0, rows, rows));
    }
}
