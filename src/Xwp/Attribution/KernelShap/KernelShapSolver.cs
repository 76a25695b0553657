using MathNet.Numerics.LinearAlgebra;
using static TorchSharp.torch;

namespace Xwp.Attribution.KernelShap;

/// <summary>Which library solves KernelSHAP's per-row least-squares problem.</summary>
internal enum KernelShapSolverKind
{
    /// <summary>torch's linear algebra, on the model's device.</summary>
    Torch,

    /// <summary>MathNet.Numerics on the CPU (managed provider).</summary>
    MathNet,
}

/// <summary>
/// KernelSHAP's weighted least squares with the efficiency constraint enforced exactly (Lundberg &amp;
/// Lee, 2017): minimise <c>Σ_z w_z (y_z − zᵀφ)²</c> subject to <c>Σ_j φ_j = Δ</c>, where z are the
/// coalitions' 0/1 membership rows, <c>y_z = v(z) − v(∅)</c> and <c>Δ = v(all) − v(∅)</c>.
/// </summary>
/// <remarks>
/// The constraint is removed by writing <c>φ = Δ/M·1 + P u</c> with <c>P = I − 11ᵀ/M</c>, the
/// projection onto vectors that sum to zero. Then <c>zᵀφ = |z|Δ/M + z_cᵀ u</c> with
/// <c>z_c = z − |z|/M</c> (each row centred), and u solves the unconstrained problem
/// <c>min Σ w (y − |z|Δ/M − z_cᵀu)²</c>. Its normal matrix <c>G = Z_cᵀ W Z_c</c> has 1 in its null
/// space and right-hand side <c>c = Z_cᵀ W y′ ⟂ 1</c>, so <c>(G + s·11ᵀ) u = c</c> (s &gt; 0) has the
/// solution with <c>u ⟂ 1</c>; it is solved by Cholesky. When the coalitions do not determine every
/// player (fewer distinct coalitions than players, or a badly conditioned G), the minimum-norm
/// solution <c>u = G⁺c</c> is used instead. Unlike eliminating one player's variable, this treats
/// every player alike. Finally u is centred, so the values sum to Δ up to float64 rounding.
/// </remarks>
internal static class KernelShapSolver
{
    /// <summary>Cholesky pivots below this fraction of the largest (squared) count as rank deficiency.</summary>
    private const double PivotTolerance = 1e-12;

    /// <summary>Solves with the chosen library; float64 <c>[M]</c> on the coalitions' device.</summary>
    /// <param name="kind">The library.</param>
    /// <param name="coalitions">Float32 0/1 <c>[S, M]</c>.</param>
    /// <param name="weights">Float64 <c>[S]</c>, non-negative.</param>
    /// <param name="values">Float64 <c>[S]</c>, <c>v(z) − v(∅)</c>.</param>
    /// <param name="delta"><c>v(all) − v(∅)</c>.</param>
    public static Tensor Solve(KernelShapSolverKind kind, Tensor coalitions, Tensor weights, Tensor values, double delta) =>
        kind == KernelShapSolverKind.MathNet
            ? SolveMathNet(coalitions, weights, values, delta)
            : SolveTorch(coalitions, weights, values, delta);

    public static Tensor SolveTorch(Tensor coalitions, Tensor weights, Tensor values, double delta)
    {
        var m = coalitions.shape[1];
        var z = coalitions.to(float64);
        var share = z.mean([1], keepdim: true);
        var centred = z.sub(share);
        var target = values.sub(share.squeeze(1).mul(delta));
        var weighted = centred.mul(weights.unsqueeze(1));
        var normal = weighted.t().matmul(centred);
        var rhs = weighted.t().matmul(target.unsqueeze(1));
        var scale = normal.trace().item<double>() / m;
        if (!(scale > 0))
        {
            return full(m, delta / m, dtype: float64, device: coalitions.device);
        }

        var (factor, info) = linalg.cholesky_ex(normal.add(scale / m));
        Tensor u;
        var pivots = factor.diagonal().square();
        if (info.item<int>() == 0 && pivots.min().item<double>() > PivotTolerance * pivots.max().item<double>())
        {
            u = cholesky_solve(rhs, factor);
        }
        else
        {
            u = linalg.pinv(normal, hermitian: true).matmul(rhs);
        }

        u = u.squeeze(1);
        return u.sub(u.mean()).add(delta / m);
    }

    public static Tensor SolveMathNet(Tensor coalitions, Tensor weights, Tensor values, double delta)
    {
        var (s, m) = ((int)coalitions.shape[0], (int)coalitions.shape[1]);
        float[] zData;
        double[] wData;
        double[] yData;
        using (var zCpu = coalitions.to(float32).cpu().contiguous())
        using (var wCpu = weights.to(float64).cpu().contiguous())
        using (var yCpu = values.to(float64).cpu().contiguous())
        {
            zData = zCpu.data<float>().ToArray();
            wData = wCpu.data<double>().ToArray();
            yData = yCpu.data<double>().ToArray();
        }

        var centred = Matrix<double>.Build.Dense(s, m);
        var weighted = Matrix<double>.Build.Dense(s, m);
        var target = Vector<double>.Build.Dense(s);
        for (var r = 0; r < s; r++)
        {
            double size = 0;
            for (var j = 0; j < m; j++)
            {
                size += zData[(r * m) + j];
            }

            var share = size / m;
            target[r] = yData[r] - (share * delta);
            for (var j = 0; j < m; j++)
            {
                var c = zData[(r * m) + j] - share;
                centred[r, j] = c;
                weighted[r, j] = c * wData[r];
            }
        }

        var normal = weighted.TransposeThisAndMultiply(centred);
        var rhs = weighted.TransposeThisAndMultiply(target);
        var scale = normal.Trace() / m;
        double[] phi;
        if (!(scale > 0))
        {
            phi = Enumerable.Repeat(delta / m, m).ToArray();
        }
        else
        {
            var shifted = normal.Add(scale / m);
            Vector<double>? u = null;
            try
            {
                var cholesky = shifted.Cholesky();
                var pivots = cholesky.Factor.Diagonal().PointwisePower(2);
                if (pivots.Minimum() > PivotTolerance * pivots.Maximum())
                {
                    u = cholesky.Solve(rhs);
                }
            }
            catch (ArgumentException)
            {
                // Not positive definite: fall through to the pseudo-inverse.
            }

            u ??= normal.PseudoInverse().Multiply(rhs);
            var mean = u.Average();
            phi = u.Select(v => v - mean + (delta / m)).ToArray();
        }

        return tensor(phi, float64).to(coalitions.device);
    }
}
