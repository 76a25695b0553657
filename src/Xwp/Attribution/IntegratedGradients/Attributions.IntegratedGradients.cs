using Xwp.Attribution.IntegratedGradients;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Integrated Gradients (Sundararajan, Taly &amp; Yan, 2017):
    /// <c>IG_i = (x_i − x′_i) ∫₀¹ ∂f_t/∂x_i(x′ + α(x − x′)) dα</c>, approximated with Gauss–Legendre
    /// (default) or Riemann rules. Reports the per-input diagnostic <c>completeness_gap</c> =
    /// <c>Σ_i IG_i − (f_t(x) − f_t(x′))</c>, which shrinks as the steps grow.
    /// </summary>
    /// <param name="options">Baseline, steps, rule, output space, internal batch size; null for the defaults.</param>
    /// <returns>The method (name <c>ig</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod IntegratedGradients(IntegratedGradientsOptions? options = null)
    {
        options ??= new IntegratedGradientsOptions();
        options.Validate();
        return new IntegratedGradientsAttribution(options);
    }
}
