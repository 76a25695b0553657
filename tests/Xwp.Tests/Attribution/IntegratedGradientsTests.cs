using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.IntegratedGradients;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class IntegratedGradientsTests
{
    private const string Gap = "completeness_gap";

    public static TheoryData<IntegrationRule> Rules => new()
    {
        IntegrationRule.GaussLegendre,
        IntegrationRule.RiemannLeft,
        IntegrationRule.RiemannRight,
        IntegrationRule.RiemannMiddle,
        IntegrationRule.RiemannTrapezoid,
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void On_a_linear_model_ig_is_the_input_difference_times_the_weights(IntegrationRule rule)
    {
        // A one-layer net: logit_t = w_t·x + b_t, so ∇ logit_t = w_t everywhere and IG = (x − x′) ⊙ w_t for
        // every rule whose weights sum to 1.
        //   w_0 = [1, −2, 3], w_1 = [0.5, 0, −1]; x = [1, 2, 3], x′ = [0.5, 0, 1], x − x′ = [0.5, 2, 2]
        //   target 0: [0.5·1, 2·(−2), 2·3] = [0.5, −4, 6];  target 1: [0.25, 0, −2]
        using var model = LinearModel();
        using var x = tensor(new float[] { 1, 2, 3, 1, 2, 3 }, [2, 3]);
        using var baseline = tensor(new float[] { 0.5f, 0, 1 });
        var method = Attributions.IntegratedGradients(new IntegratedGradientsOptions { Baseline = baseline, Rule = rule, Steps = 7, OutputSpace = OutputSpace.Logits });
        using var explanation = model.Explain(x).For(0, 1).Using(method).ComputeExplanation();
        explanation.Map.shape.Should().Equal(2, 3);
        TensorAssert.Close(explanation.Map, [0.5f, -4, 6, 0.25f, 0, -2], 1e-5);
        TensorAssert.Close(explanation.Diagnostics[Gap], [0, 0], 1e-5);
    }

    public static TheoryData<IntegrationRule, float[], float[]> ReluCases => new()
    {
        // ThreeTwoTwo on logits, x = [1, 2, 0], baseline 0, 4 steps. Along the path h(α) = α·[5, 2] + [0, −1]:
        //   logit_0 = relu(5α): gradient [1, 2, 0] wherever α > 0 (relu′(0) = 0), so IG_0 = x ⊙ [1,2,0] · (weight of α > 0);
        //   logit_1 = relu(2α − 1): gradient [0, 1, −1] where α > ½, so IG_1 = x ⊙ [0,1,−1] · (weight of α > ½) = [0, 2, 0]·that.
        //   f_0(x) − f_0(0) = 5 − 0 = 5;  f_1(x) − f_1(0) = 1 − 0 = 1.
        // Gauss–Legendre, 4 nodes, symmetric about ½, none at 0: weight(α>0) = 1, weight(α>½) = ½ → [1,4,0], [0,1,0], gaps 0, 0.
        { IntegrationRule.GaussLegendre, [1, 4, 0, 0, 1, 0], [0, 0] },
        // Left: α = 0, ¼, ½, ¾ (weights ¼): weight(α>0) = ¾ → [¾, 3, 0], sum 3.75, gap −1.25; weight(α>½) = ¼ → [0, ½, 0], gap −½.
        { IntegrationRule.RiemannLeft, [0.75f, 3, 0, 0, 0.5f, 0], [-1.25f, -0.5f] },
        // Right: α = ¼, ½, ¾, 1: weight(α>0) = 1, weight(α>½) = ½.
        { IntegrationRule.RiemannRight, [1, 4, 0, 0, 1, 0], [0, 0] },
        // Middle: α = ⅛, ⅜, ⅝, ⅞: weight(α>0) = 1, weight(α>½) = ½.
        { IntegrationRule.RiemannMiddle, [1, 4, 0, 0, 1, 0], [0, 0] },
        // Trapezoid: α = 0, ⅓, ⅔, 1 with weights ⅙, ⅓, ⅓, ⅙: weight(α>0) = ⅚ → [⅚, 10/3, 0], sum 25/6, gap −⅚;
        // weight(α>½) = ⅓ + ⅙ = ½ → [0, 1, 0], gap 0.
        { IntegrationRule.RiemannTrapezoid, [5f / 6, 10f / 3, 0, 0, 1, 0], [-5f / 6, 0] },
    };

    [Theory]
    [MemberData(nameof(ReluCases))]
    public void On_the_relu_net_every_rule_matches_the_hand_computation(IntegrationRule rule, float[] expected, float[] gaps)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 1, 2, 0 }, [2, 3]);
        var method = Attributions.IntegratedGradients(new IntegratedGradientsOptions { Rule = rule, Steps = 4, OutputSpace = OutputSpace.Logits });
        using var explanation = model.Explain(x).For(0, 1).Using(method).ComputeExplanation();
        TensorAssert.Close(explanation.Map, expected, 1e-5);
        TensorAssert.Close(explanation.Diagnostics[Gap], gaps, 1e-5);
    }

    [Fact]
    public void Gauss_legendre_nodes_and_weights_are_the_known_values_on_zero_one()
    {
        // On [−1, 1]: n = 2 nodes ±1/√3, weights 1, 1; n = 3 nodes 0, ±√(3/5), weights 8/9, 5/9, 5/9.
        // Mapped to [0, 1] by α = (1 + ξ)/2, weights halved:
        //   n = 2: α = (1 ∓ 1/√3)/2 = 0.2113248654…, 0.7886751346…; weights ½, ½
        //   n = 3: α = (1 − √0.6)/2 = 0.1127016654…, ½, 0.8872983346…; weights 5/18, 4/9, 5/18
        var (a2, w2) = Quadrature.Nodes(IntegrationRule.GaussLegendre, 2);
        a2.Should().Equal([(1 - (1 / Math.Sqrt(3))) / 2, (1 + (1 / Math.Sqrt(3))) / 2], (p, q) => Math.Abs(p - q) < 1e-12);
        w2.Should().Equal([0.5, 0.5], (p, q) => Math.Abs(p - q) < 1e-12);
        var (a3, w3) = Quadrature.Nodes(IntegrationRule.GaussLegendre, 3);
        a3.Should().Equal([(1 - Math.Sqrt(0.6)) / 2, 0.5, (1 + Math.Sqrt(0.6)) / 2], (p, q) => Math.Abs(p - q) < 1e-12);
        w3.Should().Equal([5.0 / 18, 4.0 / 9, 5.0 / 18], (p, q) => Math.Abs(p - q) < 1e-12);

        // n = 50 integrates polynomials up to degree 99 exactly: ∫₀¹ α^99 dα = 1/100. MathNet computes
        // large orders by Newton's method to about 1e-11, far below float32's resolution of the maps.
        var (a50, w50) = Quadrature.Nodes(IntegrationRule.GaussLegendre, 50);
        w50.Sum().Should().BeApproximately(1, 1e-10);
        a50.Zip(w50).Sum(p => p.Second * Math.Pow(p.First, 99)).Should().BeApproximately(0.01, 1e-10);
        a50.Should().BeInAscendingOrder();
    }

    [Fact]
    public void Riemann_rules_place_their_nodes_as_documented()
    {
        Quadrature.Nodes(IntegrationRule.RiemannLeft, 4).Alphas.Should().Equal(0, 0.25, 0.5, 0.75);
        Quadrature.Nodes(IntegrationRule.RiemannRight, 4).Alphas.Should().Equal(0.25, 0.5, 0.75, 1);
        Quadrature.Nodes(IntegrationRule.RiemannMiddle, 4).Alphas.Should().Equal(0.125, 0.375, 0.625, 0.875);
        var (a, w) = Quadrature.Nodes(IntegrationRule.RiemannTrapezoid, 3);
        a.Should().Equal(0, 0.5, 1);
        w.Should().Equal(0.25, 0.5, 0.25);
        Quadrature.Nodes(IntegrationRule.RiemannMiddle, 4).Weights.Should().AllBeEquivalentTo(0.25);
    }

    [Theory]
    [InlineData(Activation.GELU, IntegrationRule.GaussLegendre)]
    [InlineData(Activation.ReLU, IntegrationRule.RiemannMiddle)]
    [InlineData(Activation.ReLU, IntegrationRule.GaussLegendre)]
    public void The_completeness_gap_shrinks_as_the_steps_grow(Activation activation, IntegrationRule rule)
    {
        using var model = TinyNets.RandomTrained([20, 16, 4], 31, noise: 0.5, activation: activation);
        using var x = TinyNets.SparseInputs(6, 20, 32, zeroFraction: 0.2);
        using var scaled = x.mul(4);
        double MeanGap(int steps)
        {
            var method = Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = steps, Rule = rule });
            using var explanation = model.Explain(scaled).Using(method).ComputeExplanation();
            using var mean = explanation.Diagnostics[Gap].abs().mean();
            return mean.item<float>();
        }

        var gaps = new[] { 2, 8, 32, 128 }.Select(MeanGap).ToArray();
        gaps[0].Should().BeGreaterThan(1e-3, "two steps must leave a visible gap, or the test proves nothing");
        gaps[1].Should().BeLessThan(gaps[0]);
        gaps[2].Should().BeLessThan(gaps[1]);
        gaps[3].Should().BeLessThan(Math.Max(gaps[2], 1e-6));
        gaps[3].Should().BeLessThan(gaps[0] / 20);
    }

    [Theory]
    [InlineData(OutputSpace.Probabilities, IntegrationRule.GaussLegendre)]
    [InlineData(OutputSpace.Logits, IntegrationRule.RiemannTrapezoid)]
    public void The_first_layer_shortcut_equals_the_literal_input_gradients(OutputSpace space, IntegrationRule rule)
    {
        // Literal IG: Σ_k w_k ∇_x f_t(x′ + α_k (x − x′)) ⊙ (x − x′), one input-space gradient per step.
        using var model = TinyNets.RandomTrained([50, 30, 20, 5], 33, noise: 0.3);
        using var x = TinyNets.SparseInputs(3, 50, 34);
        using var baseline = full(50, 0.1f);
        using var targets = tensor(new long[] { 0, 3, 4 });
        const int steps = 20;
        using var fast = model.Explain(x).For(targets)
            .Using(Attributions.IntegratedGradients(new IntegratedGradientsOptions { Baseline = baseline, Steps = steps, Rule = rule, OutputSpace = space }))
            .Compute();

        using var scope = NewDisposeScope();
        var (alphas, weights) = Quadrature.Nodes(rule, steps);
        var diff = x.sub(baseline);
        var sum = zeros_like(x);
        for (var k = 0; k < steps; k++)
        {
            var point = baseline.add(diff.mul(alphas[k]));
            sum.add_(ModelOutputs.TargetGradient(model, point, targets, space).mul(weights[k]));
        }

        var literal = sum.mul(diff);
        using var scale = literal.abs().max();
        scale.item<float>().Should().BeGreaterThan(1e-3f);
        TensorAssert.Close(fast, literal, 1e-5);
    }

    [Fact]
    public void Results_do_not_depend_on_batch_or_internal_batch_size()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 35);
        using var x = TinyNets.SparseInputs(5, 784, 36);
        using var reference = model.Explain(x).Using(Attributions.IntegratedGradients()).Compute();
        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).WithBatchSize(batch).Using(Attributions.IntegratedGradients()).Compute();
            TensorAssert.Close(r, reference, 1e-6);
        }

        foreach (var internalBatch in new[] { 1, 7, 120 })
        {
            using var r = model.Explain(x).Using(Attributions.IntegratedGradients(new IntegratedGradientsOptions { InternalBatchSize = internalBatch })).Compute();
            TensorAssert.Close(r, reference, 1e-6);
        }
    }

    [Fact]
    public void The_gap_diagnostic_is_the_sum_minus_the_output_change()
    {
        using var model = TinyNets.RandomTrained([40, 20, 5], 37, noise: 0.3);
        using var x = TinyNets.SparseInputs(4, 40, 38);
        var method = Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 3, Rule = IntegrationRule.RiemannLeft });
        method.DiagnosticNames.Should().Equal(Gap);
        using var explanation = model.Explain(x).Using(method).ComputeExplanation();
        using var zero = zeros_like(x);
        using var fx = ModelOutputs.TargetScores(model, x, explanation.Targets, OutputSpace.Probabilities);
        using var fb = ModelOutputs.TargetScores(model, zero, explanation.Targets, OutputSpace.Probabilities);
        using var expected = explanation.Map.sum(1).sub(fx.sub(fb));
        TensorAssert.Close(explanation.Diagnostics[Gap], expected, 1e-6);
        using var size = expected.abs().max();
        size.item<float>().Should().BeGreaterThan(1e-4f);
    }

    public static TheoryData<IntegratedGradientsOptions, string> BadOptions => new()
    {
        { new IntegratedGradientsOptions { Steps = 0 }, "Steps" },
        { new IntegratedGradientsOptions { Steps = 1, Rule = IntegrationRule.RiemannTrapezoid }, "Steps" },
        { new IntegratedGradientsOptions { Rule = (IntegrationRule)11 }, "Rule" },
        { new IntegratedGradientsOptions { OutputSpace = (OutputSpace)4 }, "OutputSpace" },
        { new IntegratedGradientsOptions { InternalBatchSize = 0 }, "InternalBatchSize" },
        { new IntegratedGradientsOptions { MemoryBudgetBytes = 100 }, "MemoryBudgetBytes" },
        { new IntegratedGradientsOptions { Baseline = null! }, "Baseline" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_naming_the_option(IntegratedGradientsOptions options, string name)
    {
        var act = () => Attributions.IntegratedGradients(options);
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Inputs_are_not_modified_and_repeated_calls_leak_no_tensors()
    {
        using var model = TinyNets.RandomTrained([30, 12, 4], 39);
        using var x = TinyNets.SparseInputs(3, 30, 40);
        using var copy = x.clone();
        var method = Attributions.IntegratedGradients(new IntegratedGradientsOptions { InternalBatchSize = 16 });
        model.Explain(x).Using(method).ComputeExplanation().Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            model.Explain(x).WithBatchSize(2).Using(method).ComputeExplanation().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        TensorAssert.Identical(x, copy);
        x.requires_grad.Should().BeFalse();
    }

    /// <summary>A one-layer (linear) classifier: W = [[1, −2, 3], [0.5, 0, −1]], b = [0.3, −0.2].</summary>
    private static Fcnn LinearModel()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1, -2, 3, 0.5f, 0, -1 }, [2, 3]);
        var b = tensor(new float[] { 0.3f, -0.2f });
        var initial = FcnnSnapshot.Capture([w], [b], Activation.ReLU, 0.01);
        var trained = FcnnSnapshot.Capture([w], [b], Activation.ReLU, 0.01);
        return Fcnn.FromSnapshots(initial, trained);
    }
}
