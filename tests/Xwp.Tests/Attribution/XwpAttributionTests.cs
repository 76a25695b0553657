using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class XwpAttributionTests
{
    // The 3-2-2 network of TinyNets.ThreeTwoTwo: W = [[1,2,0],[0,1,-1]], b = [0,-1], W⁰ = [[0,1,1],[1,0,0]],
    // second layer the identity. Columns of W are features.
    //
    // Image A = [1, 2, 0], target 0, I = [+1, -1]:
    //   θ:          h = [1+4, 2-1] = [5, 1]            -> logits [5, 1]
    //   reset col0: W'= [[0,2,0],[1,1,-1]], h = [4, 1+2-1] = [4, 2]   -> R0 = (5-4) - (1-2) = 2
    //   reset col1: W'= [[1,1,0],[0,0,-1]], h = [3, -1] -> [3, 0]      -> R1 = (5-3) - (1-0) = 1
    //   x2 = 0                                                          -> R2 = 0
    // Image B = [0, 1, 1], target 1, I = [-1, +1]:
    //   θ:          h = [2, 1-1-1] = [2, -1] -> [2, 0]
    //   reset col1: W'= [[1,1,0],[0,0,-1]], h = [1, -2] -> [1, 0]      -> R1 = -(2-1) + 0 = -1
    //   reset col2: W'= [[1,2,1],[0,1,0]],  h = [3, 0]                 -> R2 = -(2-3) + 0 = 1
    private static readonly float[] XwpLogits = [2, 1, 0, 0, -1, 1];

    // XWP^c. All-initial first layer: A: h0 = [0+2+0, 1-1] = [2, 0]; B: h0 = [0+1+1, -1] -> [2, 0].
    //   A, only col0 trained: W'= [[1,1,1],[0,0,0]], h = [3, -1] -> [3, 0]: S0 = (3-2) - 0 = 1
    //   A, only col1 trained: W'= [[0,2,1],[1,1,0]], h = [4, 1+2-1] = [4, 2]: S1 = (4-2) - (2-0) = 0
    //   B, only col1 trained: W'= [[0,2,1],[1,1,0]], h = [2+1, 1-1] = [3, 0]: S1 = -(3-2) + 0 = -1
    //   B, only col2 trained: W'= [[0,1,0],[1,0,-1]], h = [1, -2] -> [1, 0]: S2 = -(1-2) + 0 = 1
    private static readonly float[] ComplementByItselfLogits = [1, 0, 0, 0, -1, 1];

    // Literal eq. (5) = C(x) − S_i, C(A) = (5-2) - (1-0) = 2, C(B) = -(2-2) + (0-0) = 0.
    private static readonly float[] ComplementLiteralLogits = [1, 2, 2, 0, 1, -1];

    private static Tensor Inputs() => tensor(new float[] { 1, 2, 0, 0, 1, 1 }, [2, 3]);

    [Theory]
    [InlineData(XwpAlgorithm.Rank1)]
    [InlineData(XwpAlgorithm.RowSwap)]
    public void Xwp_on_logits_matches_the_hand_computation(XwpAlgorithm algorithm)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs();
        using var r = model.Explain(x).For(0, 1)
            .Using(Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits, Algorithm = algorithm }))
            .Compute();
        r.shape.Should().Equal(2, 3);
        TensorAssert.Close(r, XwpLogits, 1e-6);
    }

    [Theory]
    [InlineData(XwpAlgorithm.Rank1, ComplementSign.ByItself)]
    [InlineData(XwpAlgorithm.RowSwap, ComplementSign.ByItself)]
    [InlineData(XwpAlgorithm.Rank1, ComplementSign.Literal)]
    [InlineData(XwpAlgorithm.RowSwap, ComplementSign.Literal)]
    public void Complement_on_logits_matches_the_hand_computation(XwpAlgorithm algorithm, ComplementSign sign)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs();
        using var r = model.Explain(x).For(0, 1)
            .Using(Attributions.XwpComplement(new XwpComplementOptions { OutputSpace = OutputSpace.Logits, Algorithm = algorithm, Sign = sign }))
            .Compute();
        r.shape.Should().Equal(2, 3);
        TensorAssert.Close(r, sign == ComplementSign.ByItself ? ComplementByItselfLogits : ComplementLiteralLogits, 1e-6);
    }

    [Theory]
    [InlineData(XwpAlgorithm.Rank1)]
    [InlineData(XwpAlgorithm.RowSwap)]
    public void Xwp_on_probabilities_is_twice_the_target_probability_change(XwpAlgorithm algorithm)
    {
        // With two classes softmax_t = σ(l_t − l_other), and Σ_n I_n Δf_n = 2 Δf_t.
        // Image A logits: θ [5,1]; col0 reset [4,2]; col1 reset [3,0].
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        float[] expected =
        [
            (float)(2 * (Sigmoid(4) - Sigmoid(2))),
            (float)(2 * (Sigmoid(4) - Sigmoid(3))),
            0f,
        ];
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0 }, [1, 3]);
        using var r = model.Explain(x).For(0).Using(Attributions.Xwp(new XwpOptions { Algorithm = algorithm })).Compute();
        TensorAssert.Close(r, expected, 1e-6);
    }

    [Fact]
    public void Default_target_is_the_predicted_class()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs();
        using var predicted = model.Predict(x);
        TensorAssert.Values(predicted).Should().Equal(0f, 0f);
        var method = Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits });
        using var byDefault = model.Explain(x).Using(method).Compute();
        using var explicitTargets = model.Explain(x).For(0, 0).Using(method).Compute();
        TensorAssert.Identical(byDefault, explicitTargets);
    }

    public static TheoryData<int, string, OutputSpace> LargeCases => new()
    {
        { 0, "xwp", OutputSpace.Probabilities },
        { 1, "xwp", OutputSpace.Logits },
        { 2, "xwpc", OutputSpace.Probabilities },
        { 3, "xwpc-literal", OutputSpace.Probabilities },
        { 4, "xwpc", OutputSpace.Logits },
    };

    [Theory]
    [MemberData(nameof(LargeCases))]
    public void Fast_path_equals_the_literal_row_swap_on_a_784_400_100_10_network(int seed, string variant, OutputSpace space)
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], seed);
        using var x = TinyNets.SparseInputs(3, 784, seed);
        AttributionMethod Make(XwpAlgorithm algorithm) => variant switch
        {
            "xwp" => Attributions.Xwp(new XwpOptions { Algorithm = algorithm, OutputSpace = space }),
            "xwpc" => Attributions.XwpComplement(new XwpComplementOptions { Algorithm = algorithm, OutputSpace = space }),
            _ => Attributions.XwpComplement(new XwpComplementOptions { Algorithm = algorithm, OutputSpace = space, Sign = ComplementSign.Literal }),
        };
        using var fast = model.Explain(x).Using(Make(XwpAlgorithm.Rank1)).Compute();
        using var literal = model.Explain(x).Using(Make(XwpAlgorithm.RowSwap)).Compute();
        using var scale = literal.abs().max();
        scale.item<float>().Should().BeGreaterThan(1e-3f, "the comparison must not be between two maps of zeros");
        TensorAssert.Close(fast, literal, 1e-5);
    }

    [Fact]
    public void Zero_valued_features_get_exactly_zero()
    {
        using var model = TinyNets.RandomTrained([50, 20, 5], 7);
        using var x = TinyNets.SparseInputs(6, 50, 8);
        foreach (var method in new[] { Attributions.Xwp(), Attributions.XwpComplement(), Attributions.Xwp(new XwpOptions { Algorithm = XwpAlgorithm.RowSwap }) })
        {
            using var r = model.Explain(x).Using(method).Compute();
            using var atZeros = r.masked_select(x.eq(0));
            atZeros.numel().Should().BeGreaterThan(0);
            using var anyNonZero = atZeros.ne(0).any();
            anyNonZero.item<bool>().Should().BeFalse($"{method} must give exactly 0 where x_i = 0");
            using var atNonZeros = r.masked_select(x.ne(0)).abs().max();
            atNonZeros.item<float>().Should().BeGreaterThan(0f);
        }
    }

    [Fact]
    public void By_itself_plus_literal_complement_is_a_constant_per_image()
    {
        using var model = TinyNets.RandomTrained([60, 30, 10, 4], 11);
        using var x = TinyNets.SparseInputs(5, 60, 12);
        using var s = model.Explain(x).Using(Attributions.XwpComplement()).Compute();
        using var literal = model.Explain(x).Using(Attributions.XwpComplement(new XwpComplementOptions { Sign = ComplementSign.Literal })).Compute();
        using var sum = s.add(literal);
        using var spread = sum.max(1).values.sub(sum.min(1).values).abs().max();
        spread.item<float>().Should().BeLessThan(1e-6f);
        using var constant = sum.select(1, 0).abs().max();
        constant.item<float>().Should().BeGreaterThan(1e-4f, "C(x) is not trivially zero on a perturbed network");
    }

    [Fact]
    public void Results_do_not_depend_on_batch_size_or_chunk_size()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 21);
        using var x = TinyNets.SparseInputs(7, 784, 22);
        foreach (var variant in new[] { "xwp", "xwpc" })
        {
            AttributionMethod Make(long budget) => variant == "xwp"
                ? Attributions.Xwp(new XwpOptions { MemoryBudgetBytes = budget })
                : Attributions.XwpComplement(new XwpComplementOptions { MemoryBudgetBytes = budget });
            using var reference = model.Explain(x).Using(Make(XwpOptions.DefaultMemoryBudgetBytes)).Compute();
            foreach (var batch in new[] { 1, 2, 3 })
            {
                using var r = model.Explain(x).WithBatchSize(batch).Using(Make(XwpOptions.DefaultMemoryBudgetBytes)).Compute();
                // Equal up to float32 rounding: BLAS may sum in another order for another row count.
                TensorAssert.Close(r, reference, 1e-6);
            }

            using var smallChunks = model.Explain(x).Using(Make(1 << 16)).Compute();
            TensorAssert.Close(smallChunks, reference, 1e-6);
        }
    }

    [Fact]
    public void Same_seed_gives_identical_results()
    {
        using var a = TinyNets.RandomTrained([100, 40, 10], 5);
        using var b = TinyNets.RandomTrained([100, 40, 10], 5);
        using var x = TinyNets.SparseInputs(4, 100, 6);
        using var ra = a.Explain(x).Using(Attributions.XwpComplement()).Compute();
        using var rb = b.Explain(x).Using(Attributions.XwpComplement()).Compute();
        TensorAssert.Identical(ra, rb);
    }

    [Fact]
    public void Identical_initial_and_trained_snapshots_give_all_zeros()
    {
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [30, 10, 3], Seed = 3 });
        model.MarkTrained();
        using var x = TinyNets.SparseInputs(4, 30, 4);
        foreach (var method in new[] { Attributions.Xwp(), Attributions.XwpComplement(), Attributions.XwpComplement(new XwpComplementOptions { Sign = ComplementSign.Literal }) })
        {
            using var r = model.Explain(x).Using(method).Compute();
            using var max = r.abs().max();
            max.item<float>().Should().Be(0f, method.Name);
        }
    }

    [Fact]
    public void Inputs_are_not_modified_and_the_result_is_a_new_tensor()
    {
        using var model = TinyNets.RandomTrained([20, 8, 3], 9);
        using var x = TinyNets.SparseInputs(3, 20, 10);
        using var copy = x.clone();
        using var targets = tensor(new long[] { 0, 1, 2 });
        using var r = model.Explain(x).For(targets).Using(Attributions.Xwp()).Compute();
        TensorAssert.Identical(x, copy);
        TensorAssert.Values(targets.to(float32)).Should().Equal(0f, 1f, 2f);
        r.Handle.Should().NotBe(x.Handle);
        r.dtype.Should().Be(ScalarType.Float32);
    }

    [Fact]
    public void Repeated_calls_leak_no_tensors()
    {
        using var model = TinyNets.RandomTrained([40, 16, 4], 13);
        using var x = TinyNets.SparseInputs(5, 40, 14);
        var method = Attributions.Xwp();
        model.Explain(x).Using(method).Compute().Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            model.Explain(x).Using(method).Compute().Dispose();
            model.Explain(x).For(0, 1, 2, 3, 0).Using(Attributions.XwpComplement(new XwpComplementOptions { Algorithm = XwpAlgorithm.RowSwap })).Compute().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
