using Xwp.Attribution.ShapleyValueSampling;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Shapley value sampling (Castro et al., 2009; Štrumbelj &amp; Kononenko, 2010): each feature's (or
    /// group's) mean marginal contribution to the target's output over random orders of the players,
    /// optionally antithetic (each order and its reverse). Every order's contributions sum to
    /// <c>f_t(x) − f_t(x′)</c>, so efficiency holds exactly. Every feature of a group carries the
    /// group's value. Seeded per input row: results do not depend on the batch size.
    /// </summary>
    /// <param name="options">Permutations, baseline, grouping, output space, seed; null for the defaults.</param>
    /// <returns>The method (name <c>svs</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod ShapleyValueSampling(ShapleyValueSamplingOptions? options = null)
    {
        options ??= new ShapleyValueSamplingOptions();
        options.Validate();
        return new ShapleyValueSamplingAttribution(options);
    }
}
