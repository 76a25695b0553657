using Xwp.Attribution.Rise;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// RISE (Petsiuk, Das &amp; Saenko, BMVC 2018): <c>saliency = Σ_k f_t(x ⊙ M_k) M_k / (N·p)</c> over N random
    /// masks — binary s×s grids, bilinearly upsampled and randomly shifted — drawn once from a seed and
    /// shared by every input. Defaults: 4000 masks, 7×7 grid, p = 0.5, 28×28 image, seed 0, probabilities.
    /// </summary>
    /// <param name="options">Masks (count, grid, probability, seed, or supplied ones), image shape, output space and memory budget; null for the defaults.</param>
    /// <returns>The method. Its masks must have as many pixels as the model has inputs, or
    /// <see cref="ExplanationBuilder.Compute"/> throws <see cref="ArgumentOutOfRangeException"/> naming <c>ImageShape</c> (or <c>Masks</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod Rise(RiseOptions? options = null)
    {
        options ??= new RiseOptions();
        options.Validate();
        return new RiseAttribution(options);
    }
}
