using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Xwp.Attribution.Lrp;

/// <summary>
/// LRP on a chain of known layers (an <c>nn.Sequential</c>, see <see cref="ModelStructure.Layers"/>): a
/// forward pass keeps every layer's input; relevance starts as the target's output on the last layer and
/// flows back layer by layer.
/// </summary>
/// <remarks>
/// <para>
/// Linear and Conv2d use the layer's rule (<see cref="LrpOptions.Rule"/>, or <see cref="LrpOptions.LayerRules"/>
/// by index among the Linear and Conv2d layers, 0 next to the input). MaxPool2d, AvgPool2d and BatchNorm
/// (eval: per-element affine) use the ε-rule, as in Captum. ReLU, LeakyReLU, Dropout (eval) and Identity pass
/// relevance through; Flatten reshapes it back. Any other layer is refused with its index and type.
/// </para>
/// <para>
/// Every rule is applied as <c>R_in = a ⊙ ∂/∂a Σ z(a) · s</c> with <c>s = R_out / z</c> held constant, z the
/// layer's (possibly sign-split) output: for a Linear layer this is exactly the per-contribution formula
/// of <see cref="LrpAttribution"/>, and it serves convolutions and pooling alike.
/// </para>
/// </remarks>
internal static class ChainLrp
{
    public static Tensor Attribute(AttributionBatch batch, IReadOnlyList<nn.Module<Tensor, Tensor>> layers, LrpOptions options)
    {
        var weighted = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            if (!Supported(layers[i]))
            {
                throw new NotSupportedException(
                    $"LRP has no rule for layer {i} ({layers[i].GetType().Name}) of the chain. Supported: Linear, Conv2d, MaxPool2d, AvgPool2d, " +
                    "BatchNorm1d/2d, Flatten, ReLU, LeakyReLU, Dropout, Identity. Integrated Gradients or a SHAP method work on any model.");
            }

            weighted += layers[i] is Linear or Conv2d ? 1 : 0;
        }

        var rules = Enumerable.Repeat(options.Rule, weighted).ToArray();
        foreach (var (layer, rule) in options.LayerRules ?? new Dictionary<int, LrpRule>())
        {
            if (layer >= weighted)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(LrpOptions.LayerRules), layer, $"The chain has {weighted} Linear/Conv2d layers (indices 0 … {weighted - 1}).");
            }

            rules[layer] = rule;
        }

        var inputs = new Tensor[layers.Count];
        var a = batch.Inputs;
        using (no_grad())
        {
            for (var i = 0; i < layers.Count; i++)
            {
                inputs[i] = a;
                a = layers[i].call(a);
            }
        }

        var output = ModelOutputs.FromModel(batch.Model, a, OutputSpace.Logits, batch.Inputs.shape[0]);
        var target = batch.Targets.unsqueeze(1);
        var relevance = zeros_like(output).scatter_(1, target, output.gather(1, target));
        var k = weighted;
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var layer = layers[i];
            var x = inputs[i];
            relevance = layer switch
            {
                Flatten => relevance.reshape(x.shape),
                ReLU or LeakyReLU or Dropout or Identity => relevance,
                Linear linear => LinearRule(rules[--k], x, relevance, options.Epsilon, linear, IntactOutput(layers, inputs, a, i)),
                Conv2d conv => Weighted(rules[--k], x, relevance, options.Epsilon, Convolution(conv, i), conv.weight!, conv.bias, conv.call),
                _ => Rule(x, relevance, options.Epsilon, layer.call),
            };
        }

        return relevance;
    }

    private static bool Supported(nn.Module layer) =>
        layer is Linear or Conv2d or MaxPool2d or AvgPool2d or BatchNorm1d or BatchNorm2d or Flatten or ReLU or LeakyReLU or Dropout or Identity;

    /// <summary>
    /// The convolution with other weights, with the layer's stride, padding, dilation and groups (for the z⁺ and αβ
    /// rules, which split weights; the ε-rule runs the layer itself, whatever its padding mode).
    /// </summary>
    private static Func<Tensor, Tensor, Tensor?, Tensor> Convolution(Conv2d conv, int index)
    {
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
        {
            return (v, w, b) => throw new NotSupportedException(
                $"LRP's z⁺ and αβ rules support Conv2d with zero padding only; layer {index} (Conv2d) pads with {conv.padding_mode}. " +
                "Give it the ε-rule (LrpOptions.Rule, or LrpOptions.LayerRules for this layer alone).");
        }

        return (v, w, b) => F.conv2d(v, w, b, conv.stride, conv.padding, conv.dilation, conv.groups);
    }

    /// <summary>
    /// The output of layer <paramref name="i"/> as the forward pass computed it, when nothing after it can have overwritten
    /// it: it is the chain's <paramref name="output"/>, or the next layer is a ReLU or LeakyReLU that is not in place (it
    /// returns a new tensor, and no later layer sees this one); null otherwise (e.g. an in-place ReLU, or a Dropout that
    /// hands its input on).
    /// </summary>
    private static Tensor? IntactOutput(IReadOnlyList<nn.Module<Tensor, Tensor>> layers, Tensor[] inputs, Tensor output, int i) =>
        i == layers.Count - 1 ? output
        : layers[i + 1] is ReLU { inplace: false } or LeakyReLU { inplace: false } ? inputs[i + 1]
        : null;

    /// <summary>
    /// A Linear layer's rule. The ε-rule runs as explicit products (<see cref="LrpAttribution.Epsilon"/>, as on an
    /// <see cref="Fcnn"/>): <c>z = a Wᵀ + b</c>, <c>R_in = a ⊙ ((R / (z ± ε)) · W)</c>. Autograd's gradient of <c>Σ z · s</c>
    /// is this <c>s · W</c>, so the result is <see cref="Rule"/>'s, without a graph per layer. <paramref name="z"/> is the
    /// layer's output from the forward pass when it is intact (<see cref="IntactOutput"/>), which saves computing it again.
    /// </summary>
    private static Tensor LinearRule(LrpRule rule, Tensor a, Tensor relevance, double epsilon, Linear linear, Tensor? z)
    {
        if (rule != LrpRule.Epsilon)
        {
            return Weighted(rule, a, relevance, epsilon, (v, w, b) => F.linear(v, w, b), linear.weight!, linear.bias, linear.call);
        }

        using var noGrad = no_grad();
        var weight = linear.weight!.detach();
        return LrpAttribution.Epsilon(a, weight, z ?? F.linear(a, weight, linear.bias?.detach()), relevance, epsilon);
    }

    /// <summary>A Linear or Conv2d layer's rule; <paramref name="op"/> applies the layer with given weights, <paramref name="layer"/> as it is.</summary>
    private static Tensor Weighted(
        LrpRule rule, Tensor a, Tensor relevance, double epsilon, Func<Tensor, Tensor, Tensor?, Tensor> op, Tensor weight, Tensor? bias, Func<Tensor, Tensor> layer)
    {
        switch (rule)
        {
            case LrpRule.Epsilon:
                return Rule(a, relevance, epsilon, layer);
            case LrpRule.ZPlus:
            {
                var wp = weight.detach().clamp_min(0);
                var bp = bias?.detach().clamp_min(0);
                return Rule(a, relevance, 0, v => op(v, wp, bp), stabilise: false);
            }

            case LrpRule.Alpha2Beta1:
                return AlphaBeta(2, 1, a, relevance, op, weight, bias);
            case LrpRule.Alpha1Beta0:
                return AlphaBeta(1, 0, a, relevance, op, weight, bias);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown LRP rule.");
        }
    }

    /// <summary><c>a ⊙ ∂/∂a Σ z(a) · R / z</c>, ε-stabilised (sign(0) = +1) unless <paramref name="stabilise"/> is false; 0 where z is exactly 0.</summary>
    private static Tensor Rule(Tensor a, Tensor relevance, double epsilon, Func<Tensor, Tensor> layer, bool stabilise = true)
    {
        using var grad = enable_grad();
        var x = a.detach().requires_grad_(true);
        var z = layer(x);
        var denominator = stabilise ? z.detach().add(z.detach().ge(0).to(z.dtype).mul(2).sub(1).mul(epsilon)) : z.detach();
        var s = Ratio(relevance, denominator);
        var gradient = autograd.grad([z.mul(s).sum()], [x])[0];
        return a.mul(gradient.detach());
    }

    /// <summary>αβ with inputs and weights split by sign (see <see cref="LrpRule"/>).</summary>
    private static Tensor AlphaBeta(double alpha, double beta, Tensor a, Tensor relevance, Func<Tensor, Tensor, Tensor?, Tensor> op, Tensor weight, Tensor? bias)
    {
        var ap = a.clamp_min(0);
        var an = a.clamp_max(0);
        var wp = weight.detach().clamp_min(0);
        var wn = weight.detach().clamp_max(0);
        var result = Part(ap, an, relevance, op, wp, wn, bias?.detach().clamp_min(0)).mul(alpha);
        if (beta != 0)
        {
            result = result.sub(Part(ap, an, relevance, op, wn, wp, bias?.detach().clamp_max(0)).mul(beta));
        }

        return result;
    }

    /// <summary>One sign part: <c>z = op(a⁺, w₁, b) + op(a⁻, w₂)</c>, relevance <c>a⁺ ⊙ ∂_{a⁺} + a⁻ ⊙ ∂_{a⁻}</c> of <c>Σ z · R / z</c>.</summary>
    private static Tensor Part(Tensor ap, Tensor an, Tensor relevance, Func<Tensor, Tensor, Tensor?, Tensor> op, Tensor w1, Tensor w2, Tensor? bias)
    {
        using var grad = enable_grad();
        var p = ap.detach().requires_grad_(true);
        var n = an.detach().requires_grad_(true);
        var z = op(p, w1, bias).add(op(n, w2, null));
        var s = Ratio(relevance, z.detach());
        var gradients = autograd.grad([z.mul(s).sum()], [p, n]);
        return ap.mul(gradients[0].detach()).add(an.mul(gradients[1].detach()));
    }

    /// <summary><c>R / d</c>, with 0 where d is exactly 0.</summary>
    private static Tensor Ratio(Tensor relevance, Tensor denominator)
    {
        var zero = denominator.eq(0);
        return relevance.div(denominator.masked_fill(zero, 1)).masked_fill_(zero, 0);
    }
}
