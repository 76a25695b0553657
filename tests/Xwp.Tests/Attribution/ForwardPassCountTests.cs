using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// How many forward passes, of how many rows, an explanation or an evaluation of a model known only by its forward
/// function makes: the class count C comes from a pass the pipeline makes anyway (the prediction of the targets, or
/// the one probe an evaluation makes for all its methods), never from an extra one-row pass per explanation.
/// </summary>
public class ForwardPassCountTests
{
    /// <summary>logits = x W + 0.5 for W [6, 3] (W[i, c] = (i + 1)·(c − 1)), recording the rows of every forward pass.</summary>
    private static ExplainableModel Counting(List<long> passes)
    {
        var w = tensor(Enumerable.Range(0, 18).Select(k => (float)((k / 3) + 1) * ((k % 3) - 1)).ToArray(), [6, 3]);
        return ExplainableModel.FromFunction(t =>
        {
            passes.Add(t.shape[0]);
            return t.matmul(w).add(0.5);
        });
    }

    private static Tensor Inputs() => rand(5, 6, generator: new Generator(7));

    [Fact]
    public void Feature_ablation_with_predicted_targets_makes_the_prediction_pass_and_the_methods_passes_only()
    {
        // 5 rows × 6 features: Predict's pass of 5 rows gives C = 3 and the targets; feature ablation then passes
        // the 5 rows once (the reference) and their 30 one-feature ablations in one pass. Before, a one-row pass came first.
        var passes = new List<long>();
        var model = Counting(passes);
        using var x = Inputs();
        using var map = model.Explain(x).Using(Attributions.FeatureAblation()).Compute();
        passes.Should().Equal(5, 5, 30);
    }

    [Fact]
    public void Given_targets_are_checked_against_one_probe_before_the_methods_passes()
    {
        // Given targets need C before any work: one one-row pass, then the method's 5 and 30 rows. A target out of
        // range is refused after that probe alone, naming its row.
        var passes = new List<long>();
        var model = Counting(passes);
        using var x = Inputs();
        using var map = model.Explain(x).For(0, 1, 2, 0, 1).Using(Attributions.FeatureAblation()).Compute();
        passes.Should().Equal(1, 5, 30);

        passes.Clear();
        var act = () => model.Explain(x).For(0, 1, 3, 0, 1).Using(Attributions.FeatureAblation()).Compute();
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Class indices must lie in [0, 3); found 3 at row 2.*");
        passes.Should().Equal(1);
    }

    [Fact]
    public void An_evaluation_takes_the_class_count_from_its_prediction_pass_and_explains_without_probes()
    {
        // Predicted targets: one 5-row pass (C and the targets), feature ablation's 5 + 30 rows, then the metric's
        // passes (their count depends on the metric's steps, not on the class count). Before, each of the evaluation and
        // the explanation made a one-row pass as well.
        var passes = new List<long>();
        var model = Counting(passes);
        using var x = Inputs();
        model.Evaluate(x).With(Attributions.FeatureAblation()).Metrics(Metrics.AverageDrop()).Run();
        passes.Take(3).Should().Equal(5, 5, 30);
        passes.Should().NotContain(1);

        passes.Clear();
        using var targets = tensor(new long[] { 0, 1, 2, 0, 1 });
        model.Evaluate(x, targets).With(Attributions.FeatureAblation(), Attributions.Occlusion(new OcclusionOptions { ImageShape = (2, 3), Window = (1, 1), Stride = (1, 1) }))
            .Metrics(Metrics.AverageDrop()).Run();
        passes.Count(p => p == 1).Should().Be(1, "one probe checks the given targets for every method");
    }

    [Fact]
    public void Maps_are_bit_identical_with_and_without_the_probe()
    {
        // The same model explained through the pipeline (no probe) and through the method directly on the predicted targets.
        var passes = new List<long>();
        var model = Counting(passes);
        using var x = Inputs();
        using var viaPipeline = model.Explain(x).Using(Attributions.FeatureAblation()).ComputeExplanation();
        using var direct = model.Explain(x).For(viaPipeline.Targets).Using(Attributions.FeatureAblation()).Compute();
        TensorAssert.Identical(viaPipeline.Map, direct);
        using var nonzero = direct.ne(0).sum();
        nonzero.item<long>().Should().BePositive();
    }
}
