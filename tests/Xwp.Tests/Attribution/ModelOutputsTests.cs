using FluentAssertions;
using Xunit;
using Xwp.Attribution;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class ModelOutputsTests
{
    [Fact]
    public void Target_gradient_of_logits_matches_the_hand_computation()
    {
        // ThreeTwoTwo: logit_0 = relu(x0 + 2 x1), logit_1 = relu(x1 − x2 − 1); identity second layer.
        // x = [1, 2, 0]: both units active, so ∂logit_0/∂x = [1, 2, 0] and ∂logit_1/∂x = [0, 1, −1].
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 1, 2, 0 }, [2, 3]);
        using var t = tensor(new long[] { 0, 1 });
        using var g = ModelOutputs.TargetGradient(model, x, t, OutputSpace.Logits);
        TensorAssert.Close(g, [1, 2, 0, 0, 1, -1], 1e-6);
        x.requires_grad.Should().BeFalse();
    }

    [Fact]
    public void Target_gradient_of_probabilities_is_the_softmax_chain_rule()
    {
        // p0 = σ(l0 − l1); ∂p0/∂x = p0(1 − p0)(∂l0/∂x − ∂l1/∂x) = σ(4)(1 − σ(4))·[1, 1, 1].
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        using var g = ModelOutputs.TargetGradient(model, x, t, OutputSpace.Probabilities);
        var s = 1 / (1 + Math.Exp(-4));
        var d = (float)(s * (1 - s));
        TensorAssert.Close(g, [d, d, d], 1e-6);
    }

    [Fact]
    public void Target_scores_pick_the_target_column()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 0, 1, 1 }, [2, 3]);
        using var t = tensor(new long[] { 1, 0 });
        using var s = ModelOutputs.TargetScores(model, x, t, OutputSpace.Logits);
        TensorAssert.Close(s, [1, 2], 1e-6);
    }

    [Fact]
    public void Row_generators_depend_on_seed_and_row_only()
    {
        using var a = Seeding.ForRow(5, 3);
        using var b = Seeding.ForRow(5, 3);
        using var c = Seeding.ForRow(5, 4);
        using var ra = rand([4], generator: a);
        using var rb = rand([4], generator: b);
        using var rc = rand([4], generator: c);
        TensorAssert.Identical(ra, rb);
        TensorAssert.Values(ra).Should().NotEqual(TensorAssert.Values(rc));
        Seeding.Mix(1, 0).Should().NotBe(Seeding.Mix(0, 1));
    }
}
