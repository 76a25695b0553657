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
