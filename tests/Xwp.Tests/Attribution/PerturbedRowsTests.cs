using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.Xwp;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// The rank-1 path's fused row builder (<see cref="PerturbedRows"/>) against the torch ops it replaces, the
/// fast softmax against libtorch's, and the "rest after the first ReLU" that lets XWP apply the ReLU while it
/// builds its rows.
/// </summary>
public class PerturbedRowsTests
{
    [Fact]
    public void A_hand_computed_row()
    {
        // start[1] = [1, −2, 0.5], Δᵀ[0] = [2, 1, −4], scale 0.5 → [1 + 1, −2 + 0.5, 0.5 − 2] = [2, −1.5, −1.5];
        // with ReLU [2, 0, 0].
        using var start = tensor(new float[] { 9, 9, 9, 1, -2, 0.5f }, [2, 3]);
        using var delta = tensor(new float[] { 2, 1, -4 }, [1, 3]);
        using var image = tensor(new long[] { 1 });
        using var feature = tensor(new long[] { 0 });
        using var scale = tensor(new float[] { 0.5f });
        using var plain = empty(1, 3);
        using var relu = empty(1, 3);
        PerturbedRows.Fill(start, delta, image, feature, scale, relu: false, plain);
        PerturbedRows.Fill(start, delta, image, feature, scale, relu: true, relu);
        TensorAssert.Close(plain, [2, -1.5f, -1.5f], 0);
        TensorAssert.Close(relu, [2, 0, 0], 0);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    public void The_fused_pass_equals_the_torch_ops_on_views_with_offsets_and_widths_that_are_not_a_vector_multiple(bool relu, int threads)
    {
        var saved = XwpRuntime.Threads;
        XwpRuntime.Threads = Math.Min(threads, XwpRuntime.MaxThreads);
        try
        {
            // 37 units: not a multiple of any SIMD width, so the scalar tail runs too; 300 pairs: split across threads.
            using var scope = NewDisposeScope();
            var generator = new Generator(7);
            var start = randn(10, 37, generator: generator);
            var delta = randn(20, 37, generator: generator);
            var image = randint(0, 10, [400], generator: generator);
            var feature = randint(0, 20, [400], generator: generator);
            var scale = randn(400, generator: generator);

            // Narrowed (offset) views of contiguous storage, as the chunk loop passes them.
            var imageView = image.narrow(0, 100, 300);
            var featureView = feature.narrow(0, 100, 300);
            var scaleView = scale.narrow(0, 100, 300);
            var buffer = full(400, 37, float.NaN);
            var destination = buffer.narrow(0, 50, 300);
            PerturbedRows.Fill(start, delta, imageView, featureView, scaleView, relu, destination);

            var expected = start.index_select(0, imageView).add(delta.index_select(0, featureView).mul(scaleView.unsqueeze(1)));
            if (relu)
            {
                expected = expected.relu();
            }

            TensorAssert.Close(destination, expected, 1e-6);
            buffer.narrow(0, 0, 50).isnan().all().item<bool>().Should().BeTrue("rows before the destination view stay untouched");
            buffer.narrow(0, 350, 50).isnan().all().item<bool>().Should().BeTrue("rows after the destination view stay untouched");

            // A non-contiguous start takes the torch ops instead, with the same values.
            var transposed = start.t().contiguous().t();
            transposed.is_contiguous().Should().BeFalse();
            var viaTorch = empty(300, 37);
            PerturbedRows.Fill(transposed, delta, imageView, featureView, scaleView, relu, viaTorch);
            TensorAssert.Close(viaTorch, expected, 1e-6);
        }
        finally
        {
            XwpRuntime.Threads = saved;
        }
    }

    [Fact]
    public void The_fast_softmax_equals_libtorchs_also_for_extreme_logits_and_keeps_autograd()
    {
        using var scope = NewDisposeScope();
        // Row 2: logits of ±1,000 overflow exp() unless the row maximum is subtracted first.
        var logits = tensor(new float[] { 1, 2, 3, 0, 0, 0, 1000, -1000, 999 }, [3, 3]);
        TensorAssert.Close(ModelOutputs.Softmax(logits), logits.softmax(1), 1e-7);
        var row = (float)(1 / (1 + Math.Exp(-1)));
        TensorAssert.Close(ModelOutputs.Softmax(logits).narrow(0, 2, 1), [row, 0, 1 - row], 1e-6);

        var curves = randn(4, 5, 10, generator: new Generator(3));
        TensorAssert.Close(ModelOutputs.Softmax(curves), curves.softmax(-1), 1e-6);

        // With autograd the gradient flows (libtorch's softmax is used there).
        var x = tensor(new float[] { 1, 2 }, [1, 2]).requires_grad_(true);
        var p = ModelOutputs.Softmax(x);
        var g = autograd.grad([p.select(1, 0).sum()], [x])[0];
        var s = (float)(1 / (1 + Math.Exp(-1)) * (1 - (1 / (1 + Math.Exp(-1)))));
        TensorAssert.Close(g, [s, -s], 1e-6);
    }

    [Fact]
    public void A_sequential_whose_first_linear_is_followed_by_relu_exposes_the_rest_after_it_and_others_do_not()
    {
        using var scope = NewDisposeScope();
        var withReLU = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()), ("2", nn.Linear(3, 2)));
        var withGelu = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.GELU()), ("2", nn.Linear(3, 2)));
        var first = FirstLinear.Locate(withReLU, null, null);
        FirstLinear.Locate(withGelu, null, null).RestAfterReLU.Should().BeNull();
        first.RestAfterReLU.Should().NotBeNull();

        // rest(h) = layer 2 (ReLU(h)) = RestAfterReLU(ReLU(h)).
        var h = randn(5, 3, generator: new Generator(1));
        TensorAssert.Close(first.RestAfterReLU!(h.relu()), first.Rest!(h.clone()), 1e-6);
    }

    [Theory]
    [InlineData(new[] { 8, 6, 5, 3 })]
    [InlineData(new[] { 8, 3 })]
    public void Fcnn_xwp_with_the_relu_fused_equals_the_literal_path_also_for_a_single_layer(int[] sizes)
    {
        // [8, 3] has no activation after its only layer: the rows must not be ReLU'd.
        using var fcnn = TinyNets.RandomTrained(sizes, seed: 5, noise: 0.5);
        using var x = randn(6, 8, generator: new Generator(2));
        var y = new long[] { 0, 1, 2, 0, 1, 2 };
        foreach (var complement in new[] { false, true })
        {
            AttributionMethod Method(XwpAlgorithm a) => complement
                ? Attributions.XwpComplement(new XwpComplementOptions { Algorithm = a })
                : Attributions.Xwp(new XwpOptions { Algorithm = a });
            using var fast = fcnn.Explain(x).For(y).Using(Method(XwpAlgorithm.Rank1)).Compute();
            using var literal = fcnn.Explain(x).For(y).Using(Method(XwpAlgorithm.RowSwap)).Compute();
            TensorAssert.Close(fast, literal, 1e-6);
        }
    }
}
