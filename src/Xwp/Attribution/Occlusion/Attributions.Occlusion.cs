using Xwp.Attribution.Occlusion;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Occlusion (Zeiler &amp; Fergus, ECCV 2014; Captum's <c>Occlusion</c>): a window slides over the image
    /// view of each input, the covered pixels are set to the baseline, and each pixel gets the mean of
    /// <c>f_t(x) − f_t(x occluded)</c> over the windows that cover it. Defaults: 28×28 image, 4×4 window,
    /// stride 2×2, baseline 0, probabilities. See <see cref="OcclusionOptions"/> for where windows are placed.
    /// </summary>
    /// <param name="options">Image shape, window, stride, baseline, output space and memory budget; null for the defaults.</param>
    /// <returns>The method. Its image shape must have as many pixels as the model has inputs, or
    /// <see cref="ExplanationBuilder.Compute"/> throws <see cref="ArgumentOutOfRangeException"/> naming <c>ImageShape</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (e.g. a window larger than the image, a zero stride).</exception>
    public static AttributionMethod Occlusion(OcclusionOptions? options = null)
    {
        options ??= new OcclusionOptions();
        options.Validate();
        return new OcclusionAttribution(options);
    }

    /// <summary>
    /// Feature ablation (Captum's <c>FeatureAblation</c>): each feature, or each group of an optional
    /// feature mask, is set to the baseline on its own and gets <c>f_t(x) − f_t(x ablated)</c>; every
    /// feature of a group carries the group's value. Without a mask it equals Occlusion with a 1×1 window
    /// and stride. Defaults: single features, baseline 0, probabilities.
    /// </summary>
    /// <param name="options">Baseline, feature mask, output space and memory budget; null for the defaults.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod FeatureAblation(FeatureAblationOptions? options = null)
    {
        options ??= new FeatureAblationOptions();
        options.Validate();
        return new FeatureAblationAttribution(options);
    }
}
