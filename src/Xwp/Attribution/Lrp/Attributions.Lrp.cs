using Xwp.Attribution.Lrp;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Layer-wise Relevance Propagation (Bach et al., 2015): the target's logit is redistributed back to
    /// the input, layer by layer, with the ε-rule (default, ε = 1e-9), z⁺ or αβ (α=2, β=1 / α=1, β=0),
    /// one rule for all layers or a composite by layer index. It always starts from the pre-softmax
    /// score, whatever other methods use. Reports the per-input diagnostic <c>conservation_gap</c> =
    /// <c>Σ_i R_i − logit_t</c> (relevance absorbed by biases and stabilisers). Supports FCNNs with ReLU or
    /// LeakyReLU activations, and models wrapped from an <c>nn.Sequential</c> of Linear, Conv2d, MaxPool2d,
    /// AvgPool2d, BatchNorm1d/2d, Flatten, ReLU, LeakyReLU, Dropout and Identity layers (pooling and BatchNorm
    /// use the ε-rule, as Captum does); other activations or layers, and models without a known chain, throw
    /// <see cref="NotSupportedException"/> naming the layer.
    /// </summary>
    /// <param name="options">Rule, ε and per-layer rules; null for the defaults.</param>
    /// <returns>The method (name <c>lrp</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod Lrp(LrpOptions? options = null)
    {
        options ??= new LrpOptions();
        options.Validate();
        return new LrpAttribution(options);
    }
}
