using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class LrpTests
{
    private const string Gap = "conservation_gap";

    // ThreeTwoTwo: W = [[1, 2, 0], [0, 1, −1]], b = [0, −1], ReLU, then the identity layer with zero bias.
    // x = [1, 2, 0]: z¹ = [1 + 4, 2 − 1] = [5, 1], a¹ = [5, 1], logits = [5, 1].
    //
    // ε-rule (ε = 1e-9, negligible here), R_j = a_j Σ_k w_kj R_k / z_k:
    //   target 0: R_out = [5, 0]; identity layer: R¹ = a¹ ⊙ ([5/5, 0/1] · I) = [5, 0];
    //             first layer: s = [5/5, 0/1] = [1, 0], sᵀW = [1, 2, 0], R = x ⊙ [1, 2, 0] = [1, 4, 0]; Σ = 5 = logit, gap 0.
    //   target 1: R_out = [0, 1]; identity layer: R¹ = [5, 1] ⊙ [0, 1/1] = [0, 1];
    //             first layer: s = [0, 1/1] = [0, 1], sᵀW = [0, 1, −1], R = [1, 2, 0] ⊙ [0, 1, −1] = [0, 2, 0];
    //             Σ = 2 but logit = 1: the bias −1 took −1 of z¹₁ = 2 − 1, so gap = +1.
    [Fact]
    public void Epsilon_rule_matches_the_hand_computation_and_reports_the_bias_gap()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 1, 2, 0 }, [2, 3]);
        using var explanation = model.Explain(x).For(0, 1).Using(Attributions.Lrp()).ComputeExplanation();
        explanation.Map.shape.Should().Equal(2, 3);
        TensorAssert.Close(explanation.Map, [1, 4, 0, 0, 2, 0], 1e-6);
        TensorAssert.Close(explanation.Diagnostics[Gap], [0, 1], 1e-6);
    }

    // ε = 1, target 1, x = [1, 2, 0]: denominators z + ε·sign(z).
    //   identity layer: z = [5, 1] → [6, 2]; s = [0, 1/2]; R¹ = [5, 1] ⊙ [0, ½] = [0, ½]
    //   first layer:    z = [5, 1] → [6, 2]; s = [0, ½ / 2] = [0, ¼]; sᵀW = [0, ¼, −¼]; R = [1, 2, 0] ⊙ that = [0, ½, 0]
    //   gap = ½ − 1 = −½ (ε absorbed relevance).
    [Fact]
    public void Epsilon_is_configurable()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0 }, [1, 3]);
        using var explanation = model.Explain(x).For(1).Using(Attributions.Lrp(new LrpOptions { Epsilon = 1 })).ComputeExplanation();
        TensorAssert.Close(explanation.Map, [0, 0.5f, 0], 1e-6);
        TensorAssert.Close(explanation.Diagnostics[Gap], [-0.5f], 1e-6);
    }

    // ThreeTwoTwo at x = [0, 1, 1]: z¹ = [0 + 2 + 0, 0 + 1 − 1 − 1] = [2, −1], a¹ = [2, 0], logits = [2, 0].
    // ε = 0: a denominator of exactly 0 passes no relevance. ε = 1e-45 (subnormal in float32, so 2ε is not exactly 2·ε)
    // takes the same guarded path and vanishes next to every z here: the same values.
    //   target 0: R_out = [2, 0]; identity layer: s = [2/2, 0 (z = 0)] = [1, 0], R¹ = [2, 0] ⊙ [1, 0] = [2, 0];
    //             first layer: s = [2/2, 0/(−1)] = [1, 0], sᵀW = [1, 2, 0], R = [0, 1, 1] ⊙ [1, 2, 0] = [0, 2, 0]; gap 2 − 2 = 0.
    //   target 1: R_out = [0, logit₁ = 0]: every relevance is 0 (0/0 would be NaN without the guard); gap 0.
    // ε = 1e38 (2ε is beyond float32): every denominator is ±1e38, so the relevance is ~1e-38 and the gap is −logit.
    [Theory]
    [InlineData(0.0, new float[] { 0, 2, 0, 0, 0, 0 }, new float[] { 0, 0 })]
    [InlineData(1e-45, new float[] { 0, 2, 0, 0, 0, 0 }, new float[] { 0, 0 })]
    [InlineData(1e38, new float[] { 0, 0, 0, 0, 0, 0 }, new float[] { -2, 0 })]
    public void Epsilon_outside_the_normal_float_range_keeps_the_zero_guard(double epsilon, float[] map, float[] gap)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 0, 1, 1, 0, 1, 1 }, [2, 3]);
        using var explanation = model.Explain(x).For(0, 1).Using(Attributions.Lrp(new LrpOptions { Epsilon = epsilon })).ComputeExplanation();
        TensorAssert.Close(explanation.Map, map, 1e-6);
        TensorAssert.Close(explanation.Diagnostics[Gap], gap, 1e-6);
    }

    public static TheoryData<LrpOptions, float[], float> PositiveRuleCases => new()
    {
        // x = [0, 3, 1], target 1: z¹ = [0 + 6 + 0, 0 + 3 − 1 − 1] = [6, 1], a¹ = [6, 1], logits [6, 1], R_out = [0, 1].
        // Contributions to unit 1 of the first layer: x ⊙ [0, 1, −1] = [0, 3, −1], bias −1.
        //
        // z⁺: identity layer W⁺ = I, z⁺ = a¹ = [6, 1], R¹ = [6, 1] ⊙ [0, 1/1] = [0, 1];
        //     first layer W⁺ = [[1,2,0],[0,1,0]], b⁺ = [0, 0]: z⁺ = [6, 3], s = [0, 1/3], sᵀW⁺ = [0, ⅓, 0], R = [0, 1, 0]; gap 0.
        { new LrpOptions { Rule = LrpRule.ZPlus }, [0, 1, 0], 0 },
        // α1β0 on non-negative inputs and activations is z⁺: [0, 1, 0].
        { new LrpOptions { Rule = LrpRule.Alpha1Beta0 }, [0, 1, 0], 0 },
        // α2β1: identity layer, unit 1: contributions a¹ ⊙ [0, 1] = [0, 1], z⁺ = 1, z⁻ = 0 (passes nothing):
        //       R¹ = 2·[0, 1]/1·1 = [0, 2].
        //       first layer, unit 1 (R = 2): z⁺ = 3 + b⁺ 0 = 3, z⁻ = −1 + b⁻ (−1) = −2;
        //       R = 2·[0, 3, 0]/3·2 − 1·[0, 0, −1]/(−2)·2 = [0, 4, 0] − [0, 0, 1] = [0, 4, −1]; Σ = 3, gap 2.
        { new LrpOptions { Rule = LrpRule.Alpha2Beta1 }, [0, 4, -1], 2 },
        // Composite: α2β1 on layer 1 (output), ε on layer 0: R¹ = [0, 2] as above; then ε with z¹ = [6, 1]:
        //       s = [0, 2/1], sᵀW = [0, 2, −2], R = [0, 3, 1] ⊙ [0, 2, −2] = [0, 6, −2]; Σ = 4, gap 3.
        { new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [1] = LrpRule.Alpha2Beta1 } }, [0, 6, -2], 3 },
    };

    [Theory]
    [MemberData(nameof(PositiveRuleCases))]
    public void Positive_rules_and_composites_match_the_hand_computation(LrpOptions options, float[] expected, float gap)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 0, 3, 1 }, [1, 3]);
        using var explanation = model.Explain(x).For(1).Using(Attributions.Lrp(options)).ComputeExplanation();
        TensorAssert.Close(explanation.Map, expected, 1e-6);
        TensorAssert.Close(explanation.Diagnostics[Gap], [gap], 1e-6);
    }

    [Theory]
    [InlineData(LrpRule.Epsilon, Activation.ReLU)]
    [InlineData(LrpRule.ZPlus, Activation.ReLU)]
    [InlineData(LrpRule.Alpha1Beta0, Activation.ReLU)]
    [InlineData(LrpRule.Epsilon, Activation.LeakyReLU)]
    public void Relevance_is_conserved_when_biases_are_zero(LrpRule rule, Activation activation)
    {
        using var model = ZeroBiasNet([40, 30, 20, 6], 41, activation);
        using var x = TinyNets.SparseInputs(8, 40, 42);
        using var explanation = model.Explain(x).Using(Attributions.Lrp(new LrpOptions { Rule = rule })).ComputeExplanation();
        using var logits = model.Trained.Logits(x);
        using var scale = logits.abs().max();
        scale.item<float>().Should().BeGreaterThan(0.1f);
        using var worst = explanation.Diagnostics[Gap].abs().max();
        worst.item<float>().Should().BeLessThan(1e-5f);
        using var map = explanation.Map.abs().max();
        map.item<float>().Should().BeGreaterThan(1e-3f);
    }

    [Fact]
    public void Epsilon_rule_without_biases_equals_gradient_times_input_on_a_relu_net()
    {
        // With zero biases and ε → 0, each ε-rule step is R_j = a_j ∂z/∂a_j-weighted, which composes to x ⊙ ∇ logit_t.
        using var model = ZeroBiasNet([30, 20, 10, 4], 43, Activation.ReLU);
        using var x = TinyNets.SparseInputs(5, 30, 44);
        using var targets = tensor(new long[] { 0, 1, 2, 3, 0 });
        using var lrp = model.Explain(x).For(targets).Using(Attributions.Lrp()).Compute();
        using var gradient = ModelOutputs.TargetGradient(model, x, targets, OutputSpace.Logits);
        using var expected = gradient.mul(x);
        TensorAssert.Close(lrp, expected, 1e-5);
    }

    [Theory]
    [InlineData(Activation.GELU)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void Smooth_activations_are_refused_with_a_clear_error(Activation activation)
    {
        using var model = TinyNets.RandomTrained([10, 6, 3], 45, activation: activation);
        using var x = TinyNets.SparseInputs(2, 10, 46);
        var act = () => model.Explain(x).Using(Attributions.Lrp()).Compute();
        act.Should().Throw<NotSupportedException>().WithMessage($"*ReLU or LeakyReLU*{activation}*");
    }

    [Fact]
    public void A_layer_rule_beyond_the_models_layers_is_reported_when_run()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0 }, [1, 3]);
        var method = Attributions.Lrp(new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [2] = LrpRule.ZPlus } });
        var act = () => model.Explain(x).Using(method).Compute();
        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "LayerRules").WithMessage("*2 linear layers*");
    }

    [Fact]
    public void Results_do_not_depend_on_batch_size()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 47);
        using var x = TinyNets.SparseInputs(5, 784, 48);
        foreach (var rule in new[] { LrpRule.Epsilon, LrpRule.Alpha2Beta1 })
        {
            var method = Attributions.Lrp(new LrpOptions { Rule = rule });
            using var reference = model.Explain(x).Using(method).Compute();
            using var size = reference.abs().max();
            size.item<float>().Should().BeGreaterThan(1e-4f);
            foreach (var batch in new[] { 1, 2, 3 })
            {
                using var r = model.Explain(x).WithBatchSize(batch).Using(method).Compute();
                TensorAssert.Close(r, reference, 1e-6);
            }
        }
    }

    public static TheoryData<LrpOptions, string> BadOptions => new()
    {
        { new LrpOptions { Epsilon = -1e-9 }, "Epsilon" },
        { new LrpOptions { Epsilon = double.NaN }, "Epsilon" },
        { new LrpOptions { Epsilon = double.PositiveInfinity }, "Epsilon" },
        { new LrpOptions { Rule = (LrpRule)8 }, "Rule" },
        { new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [-1] = LrpRule.ZPlus } }, "LayerRules" },
        { new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [0] = (LrpRule)8 } }, "LayerRules" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_naming_the_option(LrpOptions options, string name)
    {
        var act = () => Attributions.Lrp(options);
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Inputs_are_not_modified_and_repeated_calls_leak_no_tensors()
    {
        using var model = TinyNets.RandomTrained([30, 12, 4], 49);
        using var x = TinyNets.SparseInputs(3, 30, 50);
        using var copy = x.clone();
        var method = Attributions.Lrp(new LrpOptions { Rule = LrpRule.Alpha2Beta1 });
        model.Explain(x).Using(method).ComputeExplanation().Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            model.Explain(x).WithBatchSize(2).Using(method).ComputeExplanation().Dispose();
            model.Explain(x).Using(Attributions.Lrp()).Compute().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        TensorAssert.Identical(x, copy);
    }

    /// <summary>A random network (same trained and initial snapshot) whose biases are all zero.</summary>
    private static Fcnn ZeroBiasNet(int[] sizes, long seed, Activation activation)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        for (var l = 0; l + 1 < sizes.Length; l++)
        {
            weights.Add(randn([sizes[l + 1], sizes[l]], generator: g).div_(Math.Sqrt(sizes[l])));
            biases.Add(zeros(sizes[l + 1]));
        }

        var initial = FcnnSnapshot.Capture(weights, biases, activation, 0.1);
        var trained = FcnnSnapshot.Capture(weights, biases, activation, 0.1);
        return Fcnn.FromSnapshots(initial, trained);
    }
}
