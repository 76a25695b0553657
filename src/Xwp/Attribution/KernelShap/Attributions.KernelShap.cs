using Xwp.Attribution.KernelShap;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// KernelSHAP (Lundberg &amp; Lee, 2017): Shapley values of the target's output, estimated by a
    /// Shapley-kernel-weighted least-squares fit over sampled coalitions of features (or feature
    /// groups / superpixels), with the empty and full coalitions included and the efficiency
    /// constraint <c>Σ_groups φ = f_t(x) − f_t(x′)</c> enforced exactly. Every feature of a group carries
    /// the group's value. Seeded per input row: results do not depend on the batch size.
    /// </summary>
    /// <param name="options">Samples, baseline, grouping, output space, seed; null for the defaults.</param>
    /// <returns>The method (name <c>kernelshap</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod KernelShap(KernelShapOptions? options = null)
    {
        options ??= new KernelShapOptions();
        options.Validate();
        return new KernelShapAttribution(options);
    }
}
