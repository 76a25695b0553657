using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Attribution.Lrp;

/// <summary>
/// LRP on an FCNN: a forward pass keeps every linear layer's input <c>a</c> and pre-activation
/// <c>z</c>; relevance starts as <c>R = logit_t</c> on the target and flows back layer by layer with
/// the layer's rule. Activations pass relevance through unchanged, which is what the rules assume
/// for piecewise-linear units (ReLU, LeakyReLU). Smooth activations (GELU, Tanh, Sigmoid) are
/// refused: the rules do not define relevance for them, and passing it through silently would
/// produce plausible-looking maps with no meaning.
/// </summary>
internal sealed class LrpAttribution(LrpOptions options) : AttributionMethod
{
    /// <summary>The name of the per-input diagnostic.</summary>
    public const string ConservationGap = "conservation_gap";

    public LrpOptions Options { get; } = options;

    public override string Name => "lrp";

    /// <summary>Relevance is computed anew from the batch's forward pass (the last step multiplies by the inputs into a new tensor).</summary>
    internal override bool ReturnsOwnedMap => true;

    /// <summary>On an <see cref="Fcnn"/> the relevance's forward pass gives the predicted classes too.</summary>
    internal override bool PredictsTargets => true;

    /// <summary><c>conservation_gap</c> = Σ_i R_i − logit_t, per input (0 when relevance is conserved).</summary>
    public override IReadOnlyList<string> DiagnosticNames => [ConservationGap];

    /// <summary>
    /// 1024 rows per batch: a run of up to 1,024 images is then one batch whose forward pass also predicts the targets
    /// (with 256 the prediction took a pass of its own). An FCNN's batch keeps each layer's inputs and outputs:
    /// about 10 MB for the 784-400-100-10 network.
    /// </summary>
    internal override int DefaultBatchSize => 1024;

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        if (batch.Fcnn is null)
        {
            var chain = batch.Model.LrpLayers(batch.Inputs) ?? throw new NotSupportedException(
                "LRP needs a chain of known layers: an Fcnn, a model wrapped with ExplainableModel.FromModule from an nn.Sequential, " +
                "or a TorchScriptModel of a scripted nn.Sequential. " +
                "Integrated Gradients or a SHAP method work on any model.");
            return ChainLrp.Attribute(batch, chain, Options);
        }

        var net = batch.Fcnn.Trained;
        var layers = net.Weights.Count;
        var inputs = new Tensor[layers];
        var pre = new Tensor[layers];
        var a = batch.Inputs;
        for (var l = 0; l < layers; l++)
        {
            inputs[l] = a;
            pre[l] = nn.functional.linear(a, net.Weights[l], net.Biases[l]);
            if (l < layers - 1)
            {
                a = net.Activate(pre[l]);
            }
        }

        var logits = pre[layers - 1];
        batch.ForwardLogits = logits;
        if (batch.PredictTargets)
        {
            // What the prediction pass would have done before LRP's own checks: check the outputs, take their argmax.
            ModelOutputs.CheckValues(batch.Model, logits);
            batch.Targets.copy_(logits.argmax(1));
        }

        var rules = RulesFor(layers, net.Activation);
        var target = batch.Targets.unsqueeze(1);
        var relevance = zeros_like(logits).scatter_(1, target, logits.gather(1, target));
        for (var l = layers - 1; l >= 0; l--)
        {
            relevance = Propagate(rules[l], inputs[l], net.Weights[l], net.Biases[l], pre[l], relevance);
        }

        return relevance;
    }

    internal override Tensor[] Diagnose(AttributionBatch batch, Tensor map)
    {
        Tensor logit;
        if (batch.ForwardLogits is { } logits)
        {
            // The same linear layers and activations as the forward function, on the same rows: the same logits, checked as its
            // outputs are (already, when this batch predicted its targets from them).
            if (!batch.PredictTargets)
            {
                ModelOutputs.CheckValues(batch.Model, logits);
            }

            logit = logits.gather(1, batch.Targets.unsqueeze(1)).squeeze(1);
        }
        else
        {
            logit = ModelOutputs.TargetScores(batch.Model, batch.Inputs, batch.Targets, OutputSpace.Logits);
        }

        return [map.reshape(map.shape[0], -1).sum(1).sub(logit)];
    }

    /// <summary>The rule of every linear layer, checked against the model.</summary>
    /// <exception cref="NotSupportedException">The model's activation is not piecewise linear.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="LrpOptions.LayerRules"/> names a layer the model does not have.</exception>
    internal LrpRule[] RulesFor(int layers, Activation activation)
    {
        if (layers > 1 && activation is not (Activation.ReLU or Activation.LeakyReLU))
        {
            throw new NotSupportedException(
                $"LRP supports FCNNs with ReLU or LeakyReLU activations; this model uses {activation}. " +
                "Its rules assume piecewise-linear units, so relevance through a smooth activation is undefined. " +
                "Use Integrated Gradients or a SHAP method for this model.");
        }

        var rules = Enumerable.Repeat(Options.Rule, layers).ToArray();
        foreach (var (layer, rule) in Options.LayerRules ?? new Dictionary<int, LrpRule>())
        {
            if (layer >= layers)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(LrpOptions.LayerRules), layer, $"The model has {layers} linear layers (indices 0 … {layers - 1}).");
            }

            rules[layer] = rule;
        }

        return rules;
    }

    /// <summary>One linear layer's rule: relevance of its outputs <c>[B, out]</c> to its inputs <c>[B, in]</c>.</summary>
    internal Tensor Propagate(LrpRule rule, Tensor a, Tensor weight, Tensor bias, Tensor z, Tensor relevance)
    {
        switch (rule)
        {
            case LrpRule.Epsilon:
                return Epsilon(a, weight, z, relevance, Options.Epsilon);

            case LrpRule.ZPlus:
            {
                var positive = weight.clamp_min(0);
                var denominator = nn.functional.linear(a, positive, bias.clamp_min(0));
                return a.mul(Ratio(relevance, denominator).matmul(positive));
            }

            case LrpRule.Alpha2Beta1:
                return AlphaBeta(2, 1, a, weight, bias, relevance);
            case LrpRule.Alpha1Beta0:
                return AlphaBeta(1, 0, a, weight, bias, relevance);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown LRP rule.");
        }
    }

    /// <summary>
    /// The ε-rule <c>R_in = a ⊙ ((R / (z + ε·sign z)) · W)</c>, sign(0) = +1. When ε is a normal float32 number (and 2ε
    /// is one too), the stabiliser <c>±ε</c> is <c>[z ≥ 0]·2ε − ε</c>, exactly ±ε (2ε is ε scaled by a power of two), added
    /// to z in place; the denominator then lies at or beyond ±ε, never at 0, so the zero guard of <see cref="Ratio"/>,
    /// the slowest step, is left out. Otherwise (ε = 0 or subnormal, or 2ε beyond float32) the stabiliser is
    /// <c>(2·[z ≥ 0] − 1)·ε</c> and a denominator of 0 passes no relevance.
    /// </summary>
    internal static Tensor Epsilon(Tensor a, Tensor weight, Tensor z, Tensor relevance, double epsilon)
    {
        var sign = z.ge(0).to(z.dtype);
        var s = epsilon is >= MinNormalSingle and <= float.MaxValue / 2
            ? relevance.div(sign.mul_(2 * epsilon).sub_(epsilon).add_(z))
            : Ratio(relevance, z.add(sign.mul_(2).sub_(1).mul_(epsilon)));
        return s.matmul(weight).mul_(a);
    }

    /// <summary>The smallest normal float32 number, 2⁻¹²⁶.</summary>
    private const double MinNormalSingle = 1.1754943508222875e-38;

    /// <summary>
    /// αβ with the contributions <c>z_jk = a_j w_kj</c> split by sign: with <c>a = a⁺ + a⁻</c> and
    /// <c>w = w⁺ + w⁻</c>, <c>z⁺_jk = a⁺_j w⁺_kj + a⁻_j w⁻_kj</c> and <c>z⁻_jk = a⁺_j w⁻_kj + a⁻_j w⁺_kj</c>.
    /// </summary>
    private static Tensor AlphaBeta(double alpha, double beta, Tensor a, Tensor weight, Tensor bias, Tensor relevance)
    {
        var ap = a.clamp_min(0);
        var an = a.clamp_max(0);
        var wp = weight.clamp_min(0);
        var wn = weight.clamp_max(0);
        var zPositive = nn.functional.linear(ap, wp, bias.clamp_min(0)).add(nn.functional.linear(an, wn));
        var sPositive = Ratio(relevance, zPositive);
        var result = ap.mul(sPositive.matmul(wp)).add(an.mul(sPositive.matmul(wn))).mul(alpha);
        if (beta != 0)
        {
            var zNegative = nn.functional.linear(ap, wn, bias.clamp_max(0)).add(nn.functional.linear(an, wp));
            var sNegative = Ratio(relevance, zNegative);
            result = result.sub(ap.mul(sNegative.matmul(wn)).add(an.mul(sNegative.matmul(wp))).mul(beta));
        }

        return result;
    }

    /// <summary><c>R / d</c>, with 0 where d is exactly 0.</summary>
    private static Tensor Ratio(Tensor relevance, Tensor denominator)
    {
        var zero = denominator.eq(0);
        return relevance.div(denominator.masked_fill(zero, 1)).masked_fill_(zero, 0);
    }
}
