using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// Single-output models (regression, binary logit): outputs <c>[N]</c> or <c>[N, 1]</c> need no targets, the
/// indicator reduces to +1 on the one output, and "probabilities" means the raw output.
/// </summary>
public class SingleOutputTests
{
    [Fact]
    public void A_regression_returning_n_values_is_explained_without_targets()
    {
        // f(x) = x·[1, −2, 3] + 0.5, returned as [N]: Input×Gradient is x_i·w_i.
        using var w = tensor(new float[] { 1, -2, 3 });
        var model = ExplainableModel.FromFunction(t => t.matmul(w).add(0.5));
        using var x = tensor(new float[] { 1, 1, 1, 2, 0, -1 }, [2, 3]);

        using var map = model.Explain(x).Using(Attributions.InputXGradient()).Compute();

        TensorAssert.Close(map, [1, -2, 3, 2, 0, -3], 1e-6);
    }

    [Fact]
    public void Gradient_methods_take_an_expanded_gradient_such_as_a_sums()
    {
        // f(x) = x₀ + x₁ + x₂ as [N]: autograd returns ∂f/∂x as ones expanded over the batch (one element behind every
        // position), which Input×Gradient and IG scale in place. Input×Gradient = x ⊙ 1 = x, and IG from the baseline 0
        // along a straight line of a linear f is also x; saliency |1| = 1.
        var model = ExplainableModel.FromFunction(t => t.sum(1));
        using var x = tensor(new float[] { 1, 2, 3, 4, 0, -1 }, [2, 3]);

        using var ixg = model.Explain(x).Using(Attributions.InputXGradient()).Compute();
        using var ig = model.Explain(x).Using(Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 4 })).Compute();
        using var saliency = model.Explain(x).Using(Attributions.Saliency()).Compute();

        TensorAssert.Close(ixg, [1, 2, 3, 4, 0, -1], 1e-6);
        TensorAssert.Close(ig, [1, 2, 3, 4, 0, -1], 1e-5);
        TensorAssert.Close(saliency, [1, 1, 1, 1, 1, 1], 0);
    }

    [Fact]
    public void Gradient_methods_give_zero_for_outputs_that_do_not_use_the_inputs()
    {
        // f(x) = 2·p for a parameter p: the outputs depend on p but not on x, so ∂f/∂x = 0 everywhere.
        using var p = tensor(new float[] { 0.5f, 1.5f }).requires_grad_(true);
        var model = ExplainableModel.FromFunction(t => p.mul(2).unsqueeze(0).expand(t.shape[0], 2));
        using var x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);

        using var saliency = model.Explain(x).For(1, 0).Using(Attributions.Saliency()).Compute();
        using var ixg = model.Explain(x).For(1, 0).Using(Attributions.InputXGradient()).Compute();

        TensorAssert.Close(saliency, [0, 0, 0, 0, 0, 0], 0);
        TensorAssert.Close(ixg, [0, 0, 0, 0, 0, 0], 0);
    }

    [Fact]
    public void Gradient_methods_refuse_outputs_that_autograd_cannot_follow()
    {
        // A forward function that detaches its result (or returns integers) has no gradient at all: a clear refusal,
        // not libtorch's uncaught error.
        var model = ExplainableModel.FromFunction(t => t.detach().sum(1));
        using var x = tensor(new float[] { 1, 2, 3, 4, 0, -1 }, [2, 3]);

        var act = () => model.Explain(x).Using(Attributions.Saliency()).Compute();

        act.Should().Throw<InvalidOperationException>().WithMessage("The model's outputs (Float32) do not depend differentiably on its inputs: saliency*");
    }

    private static nn.Module<Tensor, Tensor> TwoTwoOne()
    {
        // Trained W = I, b = 0; second layer v = [1, 1], c = 0: f(x) = relu(x₀) + relu(x₁), output [N, 1].
        var first = nn.Linear(2, 2);
        var second = nn.Linear(2, 1);
        using (no_grad())
        {
            first.weight!.copy_(eye(2));
            first.bias!.zero_();
            second.weight!.copy_(ones(1, 2));
            second.bias!.zero_();
        }

        return nn.Sequential(("fc", first), ("relu", nn.ReLU()), ("out", second));
    }

    [Theory]
    [InlineData(XwpAlgorithm.Rank1)]
    [InlineData(XwpAlgorithm.RowSwap)]
    public void Xwp_on_a_single_output_is_the_change_of_the_raw_output(XwpAlgorithm algorithm)
    {
        using var module = TwoTwoOne();
        using var w0 = tensor(new float[] { 0, 0, 0, 2 }, [2, 2]);
        using var initial = FirstLayerSnapshot.FromWeight("fc", w0);
        using var model = XwpModel.FromModule(module, initial);
        using var x = tensor(new float[] { 1, 2 }, [1, 2]);

        // f(θ) = 1 + 2 = 3. Column 0 reset to [0, 0]: h = [0, 2], f = 2, R₀ = 3 − 2 = 1.
        // Column 1 reset to [0, 2]: h = [1, 4], f = 5, R₁ = 3 − 5 = −2. I = +1, raw outputs (no softmax).
        using var map = model.Explain(x).Using(Attributions.Xwp(new XwpOptions { Algorithm = algorithm })).Compute();

        TensorAssert.Close(map, [1, -2], 1e-6);
    }

    [Fact]
    public void Metrics_score_a_single_output_model_without_targets()
    {
        using var module = TwoTwoOne();
        using var w0 = tensor(new float[] { 0, 0, 0, 2 }, [2, 2]);
        using var initial = FirstLayerSnapshot.FromWeight("fc", w0);
        using var model = XwpModel.FromModule(module, initial);
        using var x = rand(6, 2).add_(0.1);

        var report = model.Evaluate(x).With(Attributions.Xwp(), Attributions.IntegratedGradients()).Metrics(Metrics.DeletionAuc()).Run();

        report.ImageCount.Should().Be(6);
        report["xwp", "deletion_auc"].Values.Should().OnlyContain(v => double.IsFinite(v));
    }
}
