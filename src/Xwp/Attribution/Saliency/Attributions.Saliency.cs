using Xwp.Attribution.Saliency;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Saliency (Simonyan, Vedaldi &amp; Zisserman, ICLR workshop 2014; Captum's <c>Saliency</c>):
    /// <c>|∂f_t/∂x|</c>, the size of the target output's gradient at the input. Defaults: absolute value,
    /// probabilities. A cheap reference row for evaluation tables.
    /// </summary>
    /// <param name="options">Output space and whether to take the absolute value; null for the defaults.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod Saliency(SaliencyOptions? options = null)
    {
        options ??= new SaliencyOptions();
        options.Validate();
        return new SaliencyAttribution(options);
    }
}
