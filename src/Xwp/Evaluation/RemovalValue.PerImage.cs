using Xwp.Evaluation;

namespace Xwp;

/// <summary>The removal values made from each image itself (docs/methods.md#ranking).</summary>
public sealed partial class RemovalValue
{
    /// <summary>Whether the value is made from each image (<see cref="ImageMean"/>, <see cref="GaussianBlur"/>, <see cref="UniformNoise"/>).</summary>
    public bool IsPerImage => _perImage is not null;

    /// <summary>
    /// Every removed feature of an image becomes that image's mean feature value, <c>(1/D) Σ_j x_j</c>
    /// (for <c>[1, 2, 3, 6]</c>: 3). Reported as <c>image-mean</c>.
    /// </summary>
    /// <returns>The removal value.</returns>
    public static RemovalValue ImageMean() => new(0, null, new ImageMeanRemoval());

    /// <summary>
    /// Removed feature i of an image becomes feature i of the image blurred with a Gaussian of standard
    /// deviation <paramref name="sigma"/> pixels: the image is read as <paramref name="height"/> rows of
    /// <paramref name="width"/> features (row-major), the kernel <c>exp(−k²/(2σ²))</c> runs over
    /// <c>k = −⌈3σ⌉ … ⌈3σ⌉</c> along rows and then along columns, and at the borders the weights are
    /// renormalised over the pixels inside the image (so a constant image stays constant). The
    /// perturbation of Fong &amp; Vedaldi (2017). Reported as <c>gaussian-blur(σ=…)</c>.
    /// </summary>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1; <c>width·height</c> must equal the model's input size.</param>
    /// <param name="sigma">Standard deviation in pixels, positive and finite.</param>
    /// <returns>The removal value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or <paramref name="sigma"/> is not positive and finite.</exception>
    public static RemovalValue GaussianBlur(int width, int height, double sigma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!(double.IsFinite(sigma) && sigma > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The blur's standard deviation must be positive and finite.");
        }

        return new(0, null, new GaussianBlurRemoval(width, height, sigma));
    }

    /// <summary>
    /// Every removed feature becomes a number drawn uniformly from <c>[low, high)</c>. The draws of an
    /// image depend only on <paramref name="seed"/> and the image's values (a SplitMix64 stream seeded
    /// by the seed and a hash of the image), so results do not depend on the batch size or on the
    /// image's position, and the same seed gives the same noise everywhere. Reported as
    /// <c>uniform-noise[low, high) seed S</c>.
    /// </summary>
    /// <param name="low">The smallest value, finite.</param>
    /// <param name="high">The bound above every value, finite and greater than <paramref name="low"/>.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The removal value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or <paramref name="high"/> is not above <paramref name="low"/>.</exception>
    public static RemovalValue UniformNoise(double low = 0, double high = 1, long seed = 0)
    {
        if (!double.IsFinite(low))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, "The noise's lower bound must be finite.");
        }

        if (!(double.IsFinite(high) && high > low))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, $"The noise's upper bound must be finite and above the lower bound {low}.");
        }

        return new(0, null, new UniformNoiseRemoval(low, high, seed));
    }
}
