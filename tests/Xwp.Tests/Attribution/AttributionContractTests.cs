using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// The contract every attribution method keeps (CONVENTIONS: the contract suite runs over all methods):
/// shape kept, a new float32 tensor, inputs untouched, batch sizes 1/2/3 agree, same settings same
/// result, no leaked tensors.
/// </summary>
public class AttributionContractTests
{
    public static TheoryData<string> Methods => new()
    {
        "xwp", "xwpc", "xwpc-literal", "occlusion", "feature-ablation", "feature-groups", "kernelshap", "svs", "rise", "ig", "lrp",
        "saliency", "inputxgradient", "random", "input-magnitude",
    };

    private static AttributionMethod Make(string name) => name switch
    {
        "xwp" => Attributions.Xwp(),
        "xwpc" => Attributions.XwpComplement(),
        "xwpc-literal" => Attributions.XwpComplement(new XwpComplementOptions { Sign = ComplementSign.Literal }),
        "kernelshap" => Attributions.KernelShap(new KernelShapOptions { Samples = 200, Seed = 5 }),
        "svs" => Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 4, Seed = 6 }),
        "ig" => Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 20 }),
        "lrp" => Attributions.Lrp(),
        "occlusion" => Attributions.Occlusion(new OcclusionOptions { ImageShape = (6, 6), Window = (2, 2), Stride = (2, 2) }),
        "feature-ablation" => Attributions.FeatureAblation(),
        "feature-groups" => Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = tensor(Enumerable.Range(0, 36).Select(i => (long)(i % 5)).ToArray()) }),
        "rise" => Attributions.Rise(new RiseOptions { ImageShape = (6, 6), GridSize = 3, MaskCount = 64, Seed = 3 }),
        "saliency" => Attributions.Saliency(),
        "inputxgradient" => Attributions.InputXGradient(),
        "random" => Attributions.Random(new RandomOptions { Seed = 4 }),
        "input-magnitude" => Attributions.InputMagnitude(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Shape_kept_inputs_untouched_batches_agree_and_no_tensor_leaks(string name)
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 141);
        using var x = TinyNets.SparseInputs(5, 36, 142);
        using var copy = x.clone();
        using var targets = tensor(new long[] { 3, 2, 1, 0, 3 });
        var method = Make(name);
        method.Name.Should().Be(name switch { "feature-groups" => "feature-ablation", "xwpc-literal" => "xwpc", _ => name });

        using var reference = model.Explain(x).For(targets).Using(method).Compute();
        reference.shape.Should().Equal(5, 36);
        reference.dtype.Should().Be(ScalarType.Float32);
        reference.Handle.Should().NotBe(x.Handle);
        TensorAssert.Identical(x, copy);
        using var scale = reference.abs().max();
        scale.item<float>().Should().BeGreaterThan(0f, "a map of zeros would make every comparison below vacuous");

        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).For(targets).WithBatchSize(batch).Using(method).Compute();
            TensorAssert.Close(r, reference, 1e-6);
        }

        using var again = model.Explain(x).For(targets).Using(Make(name)).Compute();
        TensorAssert.Identical(again, reference);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            model.Explain(x).For(targets).WithBatchSize(2).Using(method).Compute().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    public static TheoryData<string> GenericMethods => new()
    {
        "occlusion", "feature-ablation", "feature-groups", "kernelshap", "svs", "rise", "ig", "lrp", "saliency", "inputxgradient", "random", "input-magnitude",
    };

    [Theory]
    [MemberData(nameof(GenericMethods))]
    public void The_contract_holds_on_a_conv_net_through_the_generic_path(string name)
    {
        // A small conv net on 6×6 images (inputs [N, 1, 6, 6]); the contract as above, through the forward function.
        using var module = nn.Sequential(
            ("conv", nn.Conv2d(1, 3, 3)), ("relu", nn.ReLU()), ("flatten", nn.Flatten()), ("fc", nn.Linear(48, 4)));
        using (no_grad())
        using (var g = new Generator(171))
        {
            foreach (var p in module.parameters())
            {
                p.copy_(randn(p.shape, generator: g).mul_(0.3));
            }
        }

        var model = ExplainableModel.FromModule(module);
        using var flat = TinyNets.SparseInputs(5, 36, 172);
        using var x = flat.view(5, 1, 6, 6);
        using var copy = x.clone();
        using var targets = tensor(new long[] { 3, 2, 1, 0, 3 });
        var method = name == "feature-groups"
            ? Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = FeatureMask.Superpixels(6, 6, 2) })
            : Make(name);

        using var reference = model.Explain(x).For(targets).Using(method).Compute();
        reference.shape.Should().Equal(5, 1, 6, 6);
        reference.dtype.Should().Be(ScalarType.Float32);
        TensorAssert.Identical(x, copy);
        using var scale = reference.abs().max();
        scale.item<float>().Should().BeGreaterThan(0f);
        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).For(targets).WithBatchSize(batch).Using(method).Compute();
            TensorAssert.Close(r, reference, 1e-5);
        }

        using var again = model.Explain(x).For(targets).Using(method).Compute();
        TensorAssert.Identical(again, reference);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 2; i++)
        {
            model.Explain(x).For(targets).WithBatchSize(2).Using(method).Compute().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
