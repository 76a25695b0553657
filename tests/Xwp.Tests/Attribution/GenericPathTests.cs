using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// The generic paths (any model, through its forward function): hand-computed values on a tiny conv net,
/// and the same values as the exact FCNN fast paths on the same network.
/// </summary>
public class GenericPathTests
{
    private static ExplainableModel Conv(nn.Module<Tensor, Tensor> module) => ExplainableModel.FromModule(module);

    [Fact]
    public void Feature_ablation_ig_and_input_x_gradient_give_each_pixels_exact_contribution_on_the_conv_net()
    {
        // The net is linear in non-negative inputs: removing pixel p (baseline 0) lowers logit₀ by c_p x_p,
        // IG's gradient is c at every path point with α > 0 (so IG = c ⊙ x for rules without the α = 0 end, where
        // torch's ReLU'(0) = 0 makes the gradient 0), Input×Gradient = c ⊙ x.
        using var module = TinyConvNet.Create();
        var model = Conv(module);
        using var x = TinyConvNet.Ramp();
        foreach (var method in new[]
        {
            Attributions.FeatureAblation(new FeatureAblationOptions { OutputSpace = OutputSpace.Logits }),
            Attributions.IntegratedGradients(new IntegratedGradientsOptions { OutputSpace = OutputSpace.Logits, Steps = 5 }),
            Attributions.IntegratedGradients(new IntegratedGradientsOptions { OutputSpace = OutputSpace.Logits, Steps = 4, Rule = IntegrationRule.RiemannRight }),
            Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = OutputSpace.Logits }),
        })
        {
            using var map = model.Explain(x).For(0).Using(method).Compute();
            map.shape.Should().Equal(1, 1, 4, 4);
            TensorAssert.Close(map, TinyConvNet.Contributions, 1e-4);
        }

        // Saliency: |∂logit₀/∂x| = c.
        using var saliency = model.Explain(x).For(0).Using(Attributions.Saliency(new SaliencyOptions { OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(saliency, [1, 1, 1, 0, 1, 2, 2, 1, 1, 2, 2, 1, 0, 1, 1, 1], 1e-6);
    }

    [Fact]
    public void Occlusion_spreads_window_drops_and_averages_overlapping_windows_on_the_conv_net()
    {
        using var module = TinyConvNet.Create();
        var model = Conv(module);
        using var x = TinyConvNet.Ramp();

        // Stride 2: four disjoint 2×2 windows; each pixel gets its window's drop Σ_{q∈W} c_q x_q:
        // top-left 0+1+4+10 = 15, top-right 2+0+12+7 = 21, bottom-left 8+18+0+13 = 39, bottom-right 20+11+14+15 = 60.
        using var disjoint = model.Explain(x).For(0)
            .Using(Attributions.Occlusion(new OcclusionOptions { Window = (2, 2), Stride = (2, 2), OutputSpace = OutputSpace.Logits }))
            .Compute();
        disjoint.shape.Should().Equal(1, 1, 4, 4);
        TensorAssert.Close(disjoint, [15, 15, 21, 21, 15, 15, 21, 21, 39, 39, 60, 60, 39, 39, 60, 60], 1e-4);

        // Stride 1: nine windows. Pixel (0,0) is covered only by the window at (0,0): 15. Pixel (1,1) by the
        // windows at (0,0) 15, (0,1) 1+2+10+12 = 25, (1,0) 4+10+8+18 = 40 and (1,1) 10+12+18+20 = 60: mean 140/4 = 35.
        using var overlapping = model.Explain(x).For(0)
            .Using(Attributions.Occlusion(new OcclusionOptions { Window = (2, 2), Stride = (1, 1), OutputSpace = OutputSpace.Logits }))
            .Compute();
        using var flat = overlapping.view(16);
        flat[0].item<float>().Should().BeApproximately(15f, 1e-4f);
        flat[5].item<float>().Should().BeApproximately(35f, 1e-4f);
    }

    [Fact]
    public void Both_shapley_methods_give_each_quadrant_its_contribution_on_the_conv_net()
    {
        // With 2×2 superpixels the game has 4 players and is additive (the net is linear here), so every
        // Shapley value is the quadrant's own contribution: 15, 21, 39, 60 (see the Occlusion test).
        // KernelSHAP enumerates all 2⁴ coalitions (exact); every permutation of sampling gives the same values.
        using var module = TinyConvNet.Create();
        var model = Conv(module);
        using var x = TinyConvNet.Ramp();
        var mask = FeatureMask.Superpixels(4, 4, 2);
        float[] expected = [15, 15, 21, 21, 15, 15, 21, 21, 39, 39, 60, 60, 39, 39, 60, 60];
        using var kernel = model.Explain(x).For(0).Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = mask, OutputSpace = OutputSpace.Logits })).Compute();
        kernel.shape.Should().Equal(1, 1, 4, 4);
        TensorAssert.Close(kernel, expected, 1e-3);
        using var sampled = model.Explain(x).For(0).Using(Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { FeatureMask = mask, Samples = 3, OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(sampled, expected, 1e-3);
    }

    [Fact]
    public void Rise_with_supplied_masks_matches_the_hand_computation_on_the_conv_net()
    {
        // Masks: all ones (logit₀ = 135) and the left half (columns 0–1: 0+1 + 4+10 + 8+18 + 0+13 = 54); p = 0.5,
        // so saliency = Σ_k f_k M_k / (2 · 0.5): left half (135 + 54) / 1 = 189, right half 135.
        using var module = TinyConvNet.Create();
        var model = Conv(module);
        using var x = TinyConvNet.Ramp();
        using var masks = stack([ones(4, 4), cat([ones(4, 2), zeros(4, 2)], 1)]);
        using var map = model.Explain(x).For(0).Using(Attributions.Rise(new RiseOptions { Masks = masks, Probability = 0.5, OutputSpace = OutputSpace.Logits })).Compute();
        map.shape.Should().Equal(1, 1, 4, 4);
        TensorAssert.Close(map, [189, 189, 135, 135, 189, 189, 135, 135, 189, 189, 135, 135, 189, 189, 135, 135], 1e-3);
    }

    public static TheoryData<string> FastMethods => new()
    {
        "occlusion", "occlusion-baseline", "feature-ablation", "feature-groups", "kernelshap", "kernelshap-superpixels", "svs", "rise",
        "ig", "ig-riemann", "saliency", "inputxgradient", "random", "input-magnitude",
    };

    private static AttributionMethod Make(string name) => name switch
    {
        "occlusion" => Attributions.Occlusion(new OcclusionOptions { ImageShape = (6, 6), Window = (3, 2), Stride = (2, 1) }),
        "occlusion-baseline" => Attributions.Occlusion(new OcclusionOptions { ImageShape = (6, 6), Window = (2, 2), Stride = (2, 2), Baseline = 0.3, OutputSpace = OutputSpace.Logits }),
        "feature-ablation" => Attributions.FeatureAblation(),
        "feature-groups" => Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = FeatureMask.FromGroups([.. Enumerable.Range(0, 36).Select(i => i % 5)]) }),
        "kernelshap" => Attributions.KernelShap(new KernelShapOptions { Samples = 300, Seed = 5 }),
        "kernelshap-superpixels" => Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(6, 6, 3), Baseline = 0.1, OutputSpace = OutputSpace.Logits }),
        "svs" => Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 4, Seed = 6 }),
        "rise" => Attributions.Rise(new RiseOptions { ImageShape = (6, 6), GridSize = 3, MaskCount = 64, Seed = 3 }),
        "ig" => Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 20 }),
        "ig-riemann" => Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 9, Rule = IntegrationRule.RiemannMiddle, Baseline = 0.2, OutputSpace = OutputSpace.Logits }),
        "saliency" => Attributions.Saliency(),
        "inputxgradient" => Attributions.InputXGradient(),
        "random" => Attributions.Random(new RandomOptions { Seed = 4 }),
        "input-magnitude" => Attributions.InputMagnitude(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(FastMethods))]
    public void The_fcnn_fast_path_equals_the_generic_path_on_the_same_network(string name)
    {
        using var fcnn = TinyNets.RandomTrained([36, 12, 4], 151);
        var generic = ExplainableModel.FromFunction(fcnn.Forward, inputShape: [36]);
        using var x = TinyNets.SparseInputs(5, 36, 152);
        using var targets = tensor(new long[] { 3, 2, 1, 0, 3 });

        using var fast = fcnn.Explain(x).For(targets).Using(Make(name)).Compute();
        using var slow = generic.Explain(x).For(targets).Using(Make(name)).Compute();
        slow.shape.Should().Equal(5, 36);
        using var scale = fast.abs().max();
        scale.item<float>().Should().BeGreaterThan(0f);
        TensorAssert.Close(slow, fast, 2e-5 * Math.Max(1, scale.item<float>()));
    }

    [Fact]
    public void Images_with_channels_keep_their_shape_and_channels_are_occluded_together()
    {
        // Two channels of a 4×4 image through a model that sums channel 0 and subtracts channel 1:
        // occluding a window removes both channels' values, and every channel of a pixel gets the same value.
        var model = ExplainableModel.FromFunction(
            x => stack([x.select(1, 0).sum([1, 2]).sub(x.select(1, 1).sum([1, 2])), zeros(x.shape[0])], 1),
            inputShape: [2, 4, 4]);
        using var x = cat([ones(1, 1, 4, 4), full(1, 1, 4, 4, 0.25f)], 1);
        using var map = model.Explain(x).For(0)
            .Using(Attributions.Occlusion(new OcclusionOptions { Window = (2, 2), Stride = (2, 2), OutputSpace = OutputSpace.Logits }))
            .Compute();
        map.shape.Should().Equal(1, 2, 4, 4);

        // Each window: 4 pixels × (1 − 0.25) = 3, in both channels.
        TensorAssert.Close(map, Enumerable.Repeat(3f, 32).ToArray(), 1e-5);
    }

    [Fact]
    public void A_probability_model_is_measured_as_it_is_and_refuses_logits()
    {
        using var fcnn = TinyNets.RandomTrained([36, 12, 4], 161);
        var probabilities = ExplainableModel.FromFunction(x => fcnn.Forward(x).softmax(1), ModelOutput.Probabilities, inputShape: [36]);
        using var x = TinyNets.SparseInputs(3, 36, 162);
        using var viaLogits = fcnn.Explain(x).For(0, 1, 2).Using(Attributions.Saliency()).Compute();
        using var viaProbabilities = probabilities.Explain(x).For(0, 1, 2).Using(Attributions.Saliency()).Compute();
        TensorAssert.Close(viaProbabilities, viaLogits, 1e-6);

        var logits = () => probabilities.Explain(x).For(0, 1, 2).Using(Attributions.Saliency(new SaliencyOptions { OutputSpace = OutputSpace.Logits })).Compute();
        logits.Should().Throw<InvalidOperationException>().WithMessage("*returns probabilities*OutputSpace.Probabilities*");
    }

    [Fact]
    public void Fcnn_only_methods_name_themselves_on_other_models_and_bad_outputs_are_reported()
    {
        using var module = TinyConvNet.Create();
        var model = Conv(module);
        using var x = TinyConvNet.Ramp();
        var xwp = () => model.Explain(x).Using(Attributions.Xwp()).Compute();
        xwp.Should().Throw<NotSupportedException>().WithMessage("*'xwp' needs the model's first Linear layer and its initial weights*Occlusion*");

        var flat = ExplainableModel.FromFunction(t => t.sum());
        var wrong = () => flat.Explain(x).Using(Attributions.Saliency()).Compute();
        wrong.Should().Throw<InvalidOperationException>().WithMessage("*returned shape []*expected [1, C]*");

        var shape = ExplainableModel.FromModule(module, inputShape: [1, 5, 5]);
        var mismatch = () => shape.Explain(x).Using(Attributions.Saliency()).Compute();
        mismatch.Should().Throw<ArgumentException>().WithMessage("*[N, 1, 5, 5]*[1, 1, 4, 4]*");
    }

    [Theory]
    [InlineData("occlusion")]
    [InlineData("feature-ablation")]
    [InlineData("ig")]
    [InlineData("saliency")]
    public void Strided_inputs_give_the_maps_of_their_contiguous_copy(string name)
    {
        // A transposed view (e.g. features-major data seen as [N, D] through .t()) holds the same values as its
        // contiguous copy, so every method must give the same map for it, instead of failing inside a view().
        AttributionMethod method = name switch
        {
            "occlusion" => Attributions.Occlusion(new OcclusionOptions { Window = (2, 2), Stride = (1, 1), ImageShape = (3, 4) }),
            "feature-ablation" => Attributions.FeatureAblation(),
            "ig" => Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 8 }),
            _ => Attributions.Saliency(),
        };
        random.manual_seed(160);
        using var module = nn.Sequential(("fc1", nn.Linear(12, 7)), ("relu", nn.ReLU()), ("fc2", nn.Linear(7, 3)));
        var model = ExplainableModel.FromModule(module);
        using var featuresMajor = TinyNets.SparseInputs(12, 5, 161, zeroFraction: 0.2);
        using var strided = featuresMajor.t();
        using var contiguous = strided.contiguous();
        strided.is_contiguous().Should().BeFalse("the strided path is the one under test");

        using var expected = model.Explain(contiguous).For(0, 1, 2, 0, 1).Using(method).Compute();
        using var actual = model.Explain(strided).For(0, 1, 2, 0, 1).Using(method).Compute();
        using var nonzero = expected.ne(0).sum();
        nonzero.item<long>().Should().BeGreaterThan(0, "a map of zeros would make the comparison vacuous");
        TensorAssert.Identical(actual, expected);
    }
}

/// <summary>A user's own method: twice the input (so the expected map is obvious).</summary>
internal sealed class DoubleInputMethod : CustomAttributionMethod
{
    public override string Name => "double-input";

    protected override Tensor Attribute(ExplainableModel model, Tensor inputs, Tensor targets, long offset, CancellationToken cancellationToken) =>
        inputs.mul(2);
}

public class CustomAttributionMethodTests
{
    [Fact]
    public void A_users_method_runs_through_the_builders_and_a_wrong_shape_is_reported()
    {
        using var module = TinyConvNet.Create();
        var model = ExplainableModel.FromModule(module);
        using var x = TinyConvNet.Ramp();
        using var map = model.Explain(x).For(0).WithBatchSize(1).Using(new DoubleInputMethod()).Compute();
        using var expected = x.mul(2);
        TensorAssert.Identical(map, expected);

        var wrong = () => model.Explain(x).Using(new FlatMethod()).Compute();
        wrong.Should().Throw<InvalidOperationException>().WithMessage("*'flat' returned a map of shape [1, 16]*[1, 1, 4, 4]*");
    }

    private sealed class FlatMethod : CustomAttributionMethod
    {
        public override string Name => "flat";

        protected override Tensor Attribute(ExplainableModel model, Tensor inputs, Tensor targets, long offset, CancellationToken cancellationToken) =>
            inputs.reshape(inputs.shape[0], -1).clone();
    }
}
