using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>The trapezoid area under curves sampled at given x coordinates.</summary>
internal static class CurveArea
{
    /// <summary>
    /// <c>Σ_k (x_{k+1} − x_k)(y_k + y_{k+1})/2</c> per row of <paramref name="curves"/> <c>[B, S + 1]</c>, float64 <c>[B]</c>,
    /// in the caller's dispose scope; <paramref name="x"/> holds S + 1 non-decreasing coordinates.
    /// </summary>
    public static Tensor Trapezoid(Tensor curves, IReadOnlyList<double> x)
    {
        var y = curves.to(float64);
        var points = y.shape[1];
        if (points != x.Count)
        {
            throw new ArgumentException($"The curves have {points} points; {x.Count} x coordinates were given.", nameof(x));
        }

        var widths = new double[points - 1];
        for (var k = 0; k < widths.Length; k++)
        {
            widths[k] = x[k + 1] - x[k];
        }

        var w = tensor(widths, float64).to(y.device);
        var heights = y.narrow(1, 0, points - 1).add(y.narrow(1, 1, points - 1)).mul_(0.5);
        return heights.mul_(w).sum(1);
    }
}
