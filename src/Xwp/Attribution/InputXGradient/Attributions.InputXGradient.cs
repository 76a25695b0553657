using Xwp.Attribution.InputXGradient;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Input×Gradient (Shrikumar et al., 2016; Captum's <c>InputXGradient</c>): <c>x ⊙ ∂f_t/∂x</c>.
    /// Default: probabilities. A cheap reference row for evaluation tables.
    /// </summary>
    /// <param name="options">Output space; null for the defaults.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod InputXGradient(InputXGradientOptions? options = null)
    {
        options ??= new InputXGradientOptions();
        options.Validate();
        return new InputXGradientAttribution(options);
    }
}
