using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>The cheap reference maps: Saliency, Input×Gradient, Random and input magnitude.</summary>
public class ReferenceAttributionTests
{
    // ThreeTwoTwo: logit_0 = relu(x0 + 2 x1), logit_1 = relu(x1 − x2 − 1), identity second layer.
    // At x = [1, 2, 0] both units are active: ∂logit_0/∂x = [1, 2, 0], ∂logit_1/∂x = [0, 1, −1].
    private static Tensor Inputs() => tensor(new float[] { 1, 2, 0, 1, 2, 0 }, [2, 3]);

    [Fact]
    public void Saliency_on_logits_matches_the_hand_computed_gradient()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs();
        using var absolute = model.Explain(x).For(0, 1).Using(Attributions.Saliency(new SaliencyOptions { OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(absolute, [1, 2, 0, 0, 1, 1], 1e-6);
        using var signed = model.Explain(x).For(0, 1).Using(Attributions.Saliency(new SaliencyOptions { OutputSpace = OutputSpace.Logits, Absolute = false })).Compute();
        TensorAssert.Close(signed, [1, 2, 0, 0, 1, -1], 1e-6);
    }

    [Fact]
    public void Saliency_on_probabilities_follows_the_softmax_chain_rule()
    {
        // logits [5, 1]; p_0 = σ(l_0 − l_1): ∂p_0/∂x = σ(4)(1 − σ(4))·([1, 2, 0] − [0, 1, −1]) = d·[1, 1, 1];
        // ∂p_1/∂x = −d·[1, 1, 1], whose absolute value is the same.
        var s = 1 / (1 + Math.Exp(-4));
        var d = (float)(s * (1 - s));
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs();
        using var r = model.Explain(x).For(0, 1).Using(Attributions.Saliency()).Compute();
        TensorAssert.Close(r, [d, d, d, d, d, d], 1e-7);
    }

    [Fact]
    public void Input_x_gradient_matches_the_hand_computation()
    {
        // x ⊙ ∂logit_t/∂x: target 0 -> [1·1, 2·2, 0·0] = [1, 4, 0]; target 1 -> [1·0, 2·1, 0·(−1)] = [0, 2, 0].
        using var model = TinyNets.ThreeTwoTwo();
        using var x = Inputs();
        using var r = model.Explain(x).For(0, 1).Using(Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(r, [1, 4, 0, 0, 2, 0], 1e-6);

        // Probabilities, target 1: x ⊙ (−d·[1, 1, 1]) = −d·[1, 2, 0].
        var s = 1 / (1 + Math.Exp(-4));
        var d = (float)(s * (1 - s));
        using var p = model.Explain(x).For(1, 1).Using(Attributions.InputXGradient()).Compute();
        TensorAssert.Close(p, [-d, -2 * d, 0, -d, -2 * d, 0], 1e-7);
    }

    [Fact]
    public void Input_magnitude_is_the_absolute_input()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { -1.5f, 0, 2, 0.25f, -0.5f, 3 }, [2, 3]);
        using var r = model.Explain(x).Using(Attributions.InputMagnitude()).Compute();
        TensorAssert.Identical(r, x.abs());
    }

    [Fact]
    public void Random_maps_are_uniform_seeded_per_row_and_ignore_batch_size()
    {
        using var model = TinyNets.RandomTrained([100, 10, 3], 131);
        using var x = TinyNets.SparseInputs(7, 100, 132);
        using var a = model.Explain(x).Using(Attributions.Random(new RandomOptions { Seed = 9 })).Compute();
        var values = TensorAssert.Values(a);
        values.Should().OnlyContain(v => v >= 0 && v < 1);
        values.Average().Should().BeApproximately(0.5f, 0.05f);
        values.Take(100).Should().NotEqual(values.Skip(100).Take(100), "every row draws its own numbers");

        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).WithBatchSize(batch).Using(Attributions.Random(new RandomOptions { Seed = 9 })).Compute();
            TensorAssert.Identical(r, a);
        }

        using var other = model.Explain(x).Using(Attributions.Random(new RandomOptions { Seed = 10 })).Compute();
        TensorAssert.Values(other).Should().NotEqual(values);

        // Row r of a run depends on (seed, r) only, not on the input: a 3-row run repeats the first three rows.
        using var tail = x.narrow(0, 4, 3).clone();
        using var tailMap = model.Explain(tail).Using(Attributions.Random(new RandomOptions { Seed = 9 })).Compute();
        TensorAssert.Values(tailMap).Should().Equal(values.Take(300));
    }
}
