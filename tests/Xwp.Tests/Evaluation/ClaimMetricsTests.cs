using FluentAssertions;
using Xunit;
using Xwp.Evaluation;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>Sparseness, Complexity, Max-Sensitivity and the randomisation test: hand values on tiny maps and nets.</summary>
public class ClaimMetricsTests
{
    // ThreeTwoTwo at x = [1, 2, 0]: unit 0 = x0 + 2 x1 = 5 and unit 1 = x1 − x2 − 1 = 1, both active.
    private static Tensor Inputs(int rows) => tensor(Enumerable.Repeat(new float[] { 1, 2, 0 }, rows).SelectMany(r => r).ToArray(), [rows, 3]);

    private static Tensor Maps() => tensor(new float[] { 1, 0, 0, 1, -1, 2, 2, 2, 2, 0, 0, 0, -1, 0, 0 }, [5, 3]);

    [Fact]
    public void Sparseness_is_the_gini_index_of_the_absolute_map()
    {
        // Gini = Σᵢ (2i − D − 1) a₍ᵢ₎ / (D Σ a), D = 3, weights (2i − 4) = −2, 0, 2:
        // [1, 0, 0] → sorted [0, 0, 1]: 2·1 / (3·1) = 0.666667 (= (D − 1)/D, one feature carries all)
        // [1, −1, 2] → |a| sorted [1, 1, 2]: (−2 + 0 + 4) / (3·4) = 0.166667
        // [2, 2, 2] → (−4 + 0 + 4) / 18 = 0;  [0, 0, 0] → no distribution: NaN;  [−1, 0, 0] → the sign is ignored: 0.666667
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs(5);
        using var t = zeros(5, int64);
        using var maps = Maps();
        var result = Metrics.Sparseness().Score(model, x, t, maps);
        result.Values[0].Should().BeApproximately(2.0 / 3, 1e-12);
        result.Values[1].Should().BeApproximately(1.0 / 6, 1e-12);
        result.Values[2].Should().Be(0);
        double.IsNaN(result.Values[3]).Should().BeTrue();
        result.Values[4].Should().BeApproximately(2.0 / 3, 1e-12);
        result.Excluded.Should().Be(1);
        result.Direction.Should().Be(MetricDirection.HigherIsBetter);
        result.Metric.Should().Be("sparseness");
    }

    [Fact]
    public void Complexity_is_the_entropy_of_the_fractional_contributions()
    {
        // p = |a| / Σ|a|, H = −Σ p ln p:
        // [1, 0, 0] → p = [1, 0, 0]: 0;  [1, −1, 2] → p = [¼, ¼, ½]: ½ ln 4 + ½ ln 2 = 0.693147 + 0.346574 = 1.039721
        // [2, 2, 2] → ln 3 = 1.098612;  [0, 0, 0] → NaN;  [−1, 0, 0] → 0
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs(5);
        using var t = zeros(5, int64);
        using var maps = Maps();
        var result = Metrics.Complexity().Score(model, x, t, maps);
        result.Values[0].Should().Be(0);
        result.Values[1].Should().BeApproximately((0.5 * Math.Log(4)) + (0.5 * Math.Log(2)), 1e-12);
        result.Values[2].Should().BeApproximately(Math.Log(3), 1e-12);
        double.IsNaN(result.Values[3]).Should().BeTrue();
        result.Values[4].Should().Be(0);
        result.Direction.Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Max_sensitivity_with_given_perturbations_matches_the_hand_computation()
    {
        // Input × Gradient on logits, target 0: ∂logit₀/∂x = [1, 2, 0] while unit 0 stays active, so
        // Φ(x) = [1, 4, 0] and Φ(x + δ) − Φ(x) = δ ⊙ [1, 2, 0].
        // δ₁ = [0.01, 0.02, −0.01] → change [0.01, 0.04, 0], ‖·‖ = √0.0017 = 0.0412311
        // δ₂ = [−0.02, 0, 0.02]    → change [−0.02, 0, 0],    ‖·‖ = 0.02
        // max = 0.0412311; relative: / ‖[1, 4, 0]‖ = √17 = 4.1231056 → 0.01 exactly.
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs(1);
        using var t = zeros(1, int64);
        var method = Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = OutputSpace.Logits });
        using var map = model.Explain(x).For(t).Using(method).Compute();
        TensorAssert.Close(map, [1, 4, 0], 1e-6);
        using var delta = tensor(new float[] { 0.01f, 0.02f, -0.01f, -0.02f, 0, 0.02f }, [1, 2, 3]);

        var absolute = Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Perturbations = delta, Relative = false }).Score(model, x, t, map);
        absolute.Values[0].Should().BeApproximately(Math.Sqrt(0.0017), 1e-6);
        var relative = Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Perturbations = delta }).Score(model, x, t, map);
        relative.Values[0].Should().BeApproximately(0.01, 1e-6);
        relative.Metric.Should().Be("max_sensitivity");
        relative.Direction.Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Max_sensitivity_draws_are_seeded_bounded_and_independent_of_the_batch_size()
    {
        // With Φ(x + δ) − Φ(x) = δ ⊙ [1, 2, 0] and |δⱼ| ≤ r, the absolute value is at most r·√5.
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs(4);
        using var t = zeros(4, int64);
        var method = Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = OutputSpace.Logits });
        using var maps = model.Explain(x).For(t).Using(method).Compute();
        var options = new MaxSensitivityOptions { Radius = 0.1, Samples = 3, Seed = 7, Relative = false };
        var one = Metrics.MaxSensitivity(method, options).Score(model, x, t, maps, batchSize: 1).Values;
        var all = Metrics.MaxSensitivity(method, options).Score(model, x, t, maps, batchSize: 4).Values;
        all.Should().Equal(one);
        all.Should().OnlyContain(v => v > 0 && v <= 0.1 * Math.Sqrt(5) + 1e-9);
        all.Distinct().Should().HaveCount(4, "each input draws its own perturbations");
        var other = Metrics.MaxSensitivity(method, options with { Seed = 8 }).Score(model, x, t, maps).Values;
        other.Should().NotEqual(all);
    }

    [Fact]
    public void Max_sensitivity_rejects_bad_options_and_mismatched_perturbations()
    {
        var method = Attributions.InputMagnitude();
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Radius = 0 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Radius");
        // Noise over [−r, r] whose width 2r is beyond float32's range cannot be drawn (libtorch: "from is out of bounds for float").
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Radius = 1e308 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Radius");
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Radius = 3e38 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Radius");
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Radius = MaxSensitivityOptions.MaxRadius })).Should().NotThrow();
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Samples = 0 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Samples");
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs(2);
        using var t = zeros(2, int64);
        using var maps = x.clone();
        using var wide = zeros(2, 2, 4);
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Perturbations = wide }).Score(model, x, t, maps))
            .Should().Throw<ArgumentException>().WithMessage("*4 features per input*3*");
        using var short1 = zeros(1, 2, 3);
        FluentActions.Invoking(() => Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Perturbations = short1 }).Score(model, x, t, maps))
            .Should().Throw<ArgumentException>().WithMessage("*cover 1 inputs*");
    }

    [Fact]
    public void Randomising_keeps_initial_and_lower_layers_and_draws_the_top_ones_from_the_init_distribution()
    {
        using var model = TinyNets.RandomTrained([4, 3, 2], seed: 3);
        using var none = ParameterRandomisation.Randomise(model, 0, seed: 5);
        using var top = ParameterRandomisation.Randomise(model, 1, seed: 5);
        using var both = ParameterRandomisation.Randomise(model, 2, seed: 5);
        using var again = ParameterRandomisation.Randomise(model, 2, seed: 5);
        foreach (var m in new[] { none, top, both })
        {
            for (var l = 0; l < 2; l++)
            {
                using var w0 = m.CopyWeight(l, initial: true);
                using var expected = model.CopyWeight(l, initial: true);
                TensorAssert.Identical(w0, expected);
            }
        }

        using (var a = none.CopyWeight(1))
        using (var b = model.CopyWeight(1))
        {
            TensorAssert.Identical(a, b);
        }

        using (var a = top.CopyWeight(0))
        using (var b = model.CopyWeight(0))
        {
            TensorAssert.Identical(a, b);
        }

        // The top layer's fan-in is 3: U(±1/√3); the cascade re-uses it (layer 1 drawn from (seed, 1) either way).
        using (var a = top.CopyWeight(1))
        using (var b = both.CopyWeight(1))
        using (var c = model.CopyWeight(1))
        {
            TensorAssert.Identical(a, b);
            a.abs().max().item<float>().Should().BeLessThanOrEqualTo((float)(1 / Math.Sqrt(3)));
            TensorAssert.Values(a).Should().NotEqual(TensorAssert.Values(c));
        }

        // The bottom layer's fan-in is 4: U(±½); the same seed gives the same draw.
        using (var a = both.CopyWeight(0))
        using (var b = again.CopyWeight(0))
        {
            TensorAssert.Identical(a, b);
            a.abs().max().item<float>().Should().BeLessThanOrEqualTo(0.5f);
        }
    }

    [Fact]
    public void A_map_that_ignores_the_parameters_keeps_rho_one_at_every_layer()
    {
        // |x| does not depend on the model: every randomised map equals the trained one, |ρ| = 1 at k = 1 and 2.
        using var model = TinyNets.RandomTrained([4, 3, 2], seed: 3);
        using var x = tensor(new float[] { 0.1f, 0.4f, 0.3f, 0.2f, 0.9f, 0.5f, 0.7f, 0.6f }, [2, 4]);
        using var t = zeros(2, int64);
        var method = Attributions.InputMagnitude();
        using var maps = model.Explain(x).For(t).Using(method).Compute();
        var result = Metrics.ParameterRandomisation(method).Score(model, x, t, maps);
        result.Values.Should().Equal(1.0, 1.0);
        result.Curves.Should().NotBeNull();
        result.Curves!.Should().AllSatisfy(c => c.Should().Equal(1f, 1f));
        result.Metric.Should().Be("randomisation");
    }

    [Fact]
    public void On_a_linear_model_rho_is_the_rank_correlation_of_the_old_and_new_weight_rows()
    {
        // One linear layer, signed saliency on logits: Φ(x) = W[t, :] whatever x. After randomising the only
        // layer, Φ = W'[t, :]. Trained row 0 is W = [1, 2, 3, 4] (ranks 1 2 3 4); with no ties
        // ρ = 1 − 6 Σ d² / (n (n² − 1)) = 1 − Σ d² / 10 for n = 4, d the rank differences.
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1, 2, 3, 4, 4, 3, 2, 1 }, [2, 4]);
        var b = zeros(2);
        var initial = Xwp.Models.FcnnSnapshot.Capture([w], [b], Activation.ReLU, 0.01);
        var trained = Xwp.Models.FcnnSnapshot.Capture([w], [b], Activation.ReLU, 0.01);
        using var model = Fcnn.FromSnapshots(initial, trained);
        var x = ones(1, 4);
        var t = zeros(1, int64);
        var method = Attributions.Saliency(new SaliencyOptions { OutputSpace = OutputSpace.Logits, Absolute = false });
        var maps = model.Explain(x).For(t).Using(method).Compute();
        TensorAssert.Close(maps, [1, 2, 3, 4], 1e-6);

        using var randomised = ParameterRandomisation.Randomise(model, 1, seed: 0);
        using var w1 = randomised.CopyWeight(0);
        var row = w1[0].data<float>().ToArray();
        var ranks = row.Select(v => row.Count(u => u < v) + 1).ToArray();
        var d2 = ranks.Select((r, i) => (double)(r - (i + 1)) * (r - (i + 1))).Sum();
        var expected = Math.Abs(1 - (d2 / 10));

        var result = Metrics.ParameterRandomisation(method).Score(model, x, t, maps);
        result.Values[0].Should().BeApproximately(expected, 1e-12);
        result.Curves![0].Should().HaveCount(1);
    }

    [Fact]
    public void Randomisation_redraws_a_modules_conv_and_linear_layers()
    {
        // TinyConvNet has one Conv2d and one Linear layer: two steps, whatever their kinds.
        using var module = TinyConvNet.Create();
        var model = ExplainableModel.FromModule(module);
        using var ramp = TinyConvNet.Ramp();
        using var t = zeros(1, int64);
        var method = Attributions.InputXGradient();
        using var maps = model.Explain(ramp).For(t).Using(method).Compute();
        var result = Metrics.ParameterRandomisation(method).Score(model, ramp, t, maps);
        result.Curves!.Should().ContainSingle().Which.Should().HaveCount(2);
    }
}

/// <summary>Max-Sensitivity against Captum 0.7's <c>sensitivity_max</c> on the TorchScript MLP fixture, same perturbations (make_sensitivity_fixture.py).</summary>
public class MaxSensitivityCaptumTests
{
    [Theory]
    [InlineData("saliency")]
    [InlineData("inputxgradient")]
    public void Max_sensitivity_equals_captums_sensitivity_max_on_the_same_perturbations(string name)
    {
        using var model = TorchScriptModel.Load(Cli.TorchScriptCommandTests.Fixture("mlp.pt"));
        using var x = NpyFile.Read(Cli.TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        using var y = NpyFile.Read(Cli.TorchScriptCommandTests.Fixture("mlp_targets.npy"));
        using var delta = NpyFile.Read(Cli.TorchScriptCommandTests.Fixture("sensitivity_perturbations.npy"));
        using var captum = NpyFile.Read(Cli.TorchScriptCommandTests.Fixture($"captum_sensitivity_{name}.npy"));
        var method = name == "saliency" ? Attributions.Saliency() : Attributions.InputXGradient();
        using var maps = model.Explain(x).For(y).Using(method).Compute();
        var result = Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Perturbations = delta }).Score(model, x, y, maps, batchSize: 2);
        var expected = captum.to(float64).data<double>().ToArray();
        result.Values.Should().HaveCount(5);
        // float32 gradients on both sides: the largest relative differences measured were 9.2e-8 and 2.0e-6 for the two methods.
        var largest = result.Values.Zip(expected, (a, b) => Math.Abs(a - b) / Math.Max(1e-3, Math.Abs(b))).Max();
        largest.Should().BeLessThan(1e-5, $"the largest relative difference was {largest:E2}");
    }
}
