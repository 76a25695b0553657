using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.ShapleyValueSampling;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class ShapleyValueSamplingTests
{
    [Fact]
    public void Two_players_with_an_antithetic_pair_give_the_exact_hand_computed_values()
    {
        // Two players have two orders, and an antithetic pair is exactly both (see KernelShapTests.HandShapley):
        //   order (0, 1): φ0 = v({0}) − v(∅) = 1,        φ1 = v({0,1}) − v({0}) = 4
        //   order (1, 0): φ1 = v({1}) − v(∅) = 4,        φ0 = v({0,1}) − v({1}) = 1      → mean [1, 4, 0]
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0 }, [1, 3]);
        var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 2, Antithetic = true, OutputSpace = OutputSpace.Logits });
        using var r = model.Explain(x).For(0).Using(method).Compute();
        r.shape.Should().Equal(1, 3);
        TensorAssert.Close(r, KernelShapTests.HandShapley, 1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_sample_satisfies_efficiency(bool antithetic)
    {
        // One permutation: the marginal contributions telescope to f_t(x) − f_t(x′) exactly.
        using var model = TinyNets.RandomTrained([64, 32, 10], 3, noise: 0.3);
        using var x = TinyNets.SparseInputs(4, 64, 4);
        using var b = tensor(0.1f);
        var groups = Enumerable.Range(0, 64).Select(i => i % 8).ToArray();
        foreach (var samples in new[] { 1, 3 })
        {
            var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = samples, Antithetic = antithetic, FeatureMask = FeatureMask.FromGroups(groups), Baseline = b });
            using var explanation = model.Explain(x).Using(method).ComputeExplanation();
            using var perGroup = explanation.Map.narrow(1, 0, 8);
            using var bRows = b.expand(4, 64);
            using var fx = ModelOutputs.TargetScores(model, x, explanation.Targets, OutputSpace.Probabilities);
            using var fb = ModelOutputs.TargetScores(model, bRows, explanation.Targets, OutputSpace.Probabilities);
            using var sum = perGroup.sum(1);
            using var change = fx.sub(fb);
            TensorAssert.Close(sum, change, 1e-5);
            using var spread = change.abs().max();
            spread.item<float>().Should().BeGreaterThan(1e-3f);
        }
    }

    [Fact]
    public void Single_features_sum_to_the_output_change_on_a_784_400_100_10_network()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 6);
        using var x = TinyNets.SparseInputs(2, 784, 7);
        using var r = model.Explain(x).Using(Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 2 })).Compute();
        using var zeroBaseline = zeros(2, 784);
        using var predicted = model.Predict(x);
        using var fx = ModelOutputs.TargetScores(model, x, predicted, OutputSpace.Probabilities);
        using var fb = ModelOutputs.TargetScores(model, zeroBaseline, predicted, OutputSpace.Probabilities);
        using var sum = r.sum(1);
        using var change = fx.sub(fb);
        TensorAssert.Close(sum, change, 1e-5);
        using var atZeros = r.masked_select(x.eq(0)).abs().max();
        atZeros.item<float>().Should().Be(0f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Many_permutations_approach_the_exact_shapley_values(bool antithetic)
    {
        // 4 groups of two features: 2000 random orders of 24 possible; the estimate's error is O(1/√2000).
        using var model = TinyNets.RandomTrained([8, 6, 3], 1, noise: 0.3);
        using var x = TinyNets.SparseInputs(2, 8, 2, zeroFraction: 0);
        using var baseline = tensor(new float[] { 0.1f, 0, 0.5f, 0.2f, 0, 0.3f, 0.9f, 0.4f });
        int[] groups = [0, 0, 1, 1, 2, 2, 3, 3];
        var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 2000, Antithetic = antithetic, Baseline = baseline, FeatureMask = FeatureMask.FromGroups(groups) });
        using var r = model.Explain(x).For(0, 2).Using(method).Compute();
        var xs = TensorAssert.Values(x);
        var b = TensorAssert.Values(baseline);
        var values = TensorAssert.Values(r);
        for (var row = 0; row < 2; row++)
        {
            var exact = ExactShapley.PerFeature(model, xs[(row * 8)..((row + 1) * 8)], b, groups, row * 2, OutputSpace.Probabilities);
            var scale = exact.Max(Math.Abs);
            scale.Should().BeGreaterThan(1e-3);
            for (var i = 0; i < 8; i++)
            {
                values[(row * 8) + i].Should().BeApproximately((float)exact[i], (float)(0.03 * scale), $"row {row}, feature {i}");
            }
        }
    }

    [Fact]
    public void Antithetic_orders_are_permutations_followed_by_their_reverses()
    {
        using var plain = ShapleyValueSamplingAttribution.Orders(5, 4, antithetic: false, new Generator(3));
        using var paired = ShapleyValueSamplingAttribution.Orders(5, 5, antithetic: true, new Generator(3));
        paired.shape.Should().Equal(5, 5);
        using var sorted = paired.sort(1).Values;
        using var identity = arange(5).expand(5, 5);
        TensorAssert.Identical(sorted.to(float32), identity.to(float32));
        using var reversed = paired[0].flip(0);
        TensorAssert.Identical(paired[1].to(float32), reversed.to(float32));
        using var reversed2 = paired[2].flip(0);
        TensorAssert.Identical(paired[3].to(float32), reversed2.to(float32));
        using var firstPlain = plain[0];
        using var firstPaired = paired[0];
        TensorAssert.Identical(firstPaired.to(float32), firstPlain.to(float32));
    }

    [Fact]
    public void Results_do_not_depend_on_batch_size_or_memory_budget()
    {
        using var model = TinyNets.RandomTrained([100, 40, 10], 14);
        using var x = TinyNets.SparseInputs(5, 100, 15);
        var options = new ShapleyValueSamplingOptions { Samples = 6, Antithetic = true, Seed = 3 };
        using var reference = model.Explain(x).Using(Attributions.ShapleyValueSampling(options)).Compute();
        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).WithBatchSize(batch).Using(Attributions.ShapleyValueSampling(options)).Compute();
            TensorAssert.Close(r, reference, 1e-6);
        }

        using var small = model.Explain(x).Using(Attributions.ShapleyValueSampling(options with { MemoryBudgetBytes = 1 << 16 })).Compute();
        TensorAssert.Close(small, reference, 1e-6);
    }

    [Fact]
    public void Same_seed_same_result_another_seed_another()
    {
        using var model = TinyNets.RandomTrained([100, 40, 10], 16);
        using var x = TinyNets.SparseInputs(3, 100, 17);
        using var a = model.Explain(x).Using(Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 4, Seed = 1 })).Compute();
        using var b = model.Explain(x).Using(Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 4, Seed = 1 })).Compute();
        using var c = model.Explain(x).Using(Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 4, Seed = 2 })).Compute();
        TensorAssert.Identical(a, b);
        using var difference = a.sub(c).abs().max();
        difference.item<float>().Should().BeGreaterThan(1e-6f);
    }

    [Fact]
    public void Superpixels_give_every_feature_of_a_block_the_blocks_value()
    {
        using var model = TinyNets.RandomTrained([784, 64, 10], 25);
        using var x = TinyNets.SparseInputs(2, 784, 26);
        var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 3, FeatureMask = FeatureMask.Superpixels(28, 28, 4) });
        using var r = model.Explain(x).Using(method).Compute();
        using var blocks = r.view(2, 7, 4, 7, 4).permute(0, 1, 3, 2, 4).reshape(2, 49, 16);
        using var spread = blocks.max(2).values.sub(blocks.min(2).values).abs().max();
        spread.item<float>().Should().Be(0f);
        using var nonZero = r.abs().max();
        nonZero.item<float>().Should().BeGreaterThan(0f);
    }

    public static TheoryData<ShapleyValueSamplingOptions, string> BadOptions => new()
    {
        { new ShapleyValueSamplingOptions { Samples = 0 }, "Samples" },
        { new ShapleyValueSamplingOptions { OutputSpace = (OutputSpace)9 }, "OutputSpace" },
        { new ShapleyValueSamplingOptions { MemoryBudgetBytes = 0 }, "MemoryBudgetBytes" },
        { new ShapleyValueSamplingOptions { Baseline = null! }, "Baseline" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_naming_the_option(ShapleyValueSamplingOptions options, string name)
    {
        var act = () => Attributions.ShapleyValueSampling(options);
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Inputs_are_not_modified_and_repeated_calls_leak_no_tensors()
    {
        using var model = TinyNets.RandomTrained([30, 12, 4], 23);
        using var x = TinyNets.SparseInputs(3, 30, 24);
        using var copy = x.clone();
        var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 3, Antithetic = true });
        model.Explain(x).Using(method).Compute().Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            model.Explain(x).WithBatchSize(2).Using(method).Compute().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        TensorAssert.Identical(x, copy);
    }
}
