using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>Metrics through the forward function of any model: hand values on the tiny conv net, and fast == generic on an FCNN.</summary>
public class GenericMetricTests
{
    [Fact]
    public void Average_drop_on_the_conv_net_matches_the_hand_computation_and_keeps_the_image_shape()
    {
        // x = ramp / 40, so logit₀ = 135/40 = 3.375 and logit₁ = 0: p₀ = σ(3.375) = 0.966914.
        // The map c ⊙ x ranks pixels 20, 18, 15, 14 (×1/40) first; removing the top 25% (4 of 16) leaves
        // logit₀ = (135 − 67)/40 = 1.7, p₀ = σ(1.7) = 0.845535. Drop = (0.966914 − 0.845535)/0.966914 = 0.125533.
        using var module = TinyConvNet.Create();
        var model = ExplainableModel.FromModule(module);
        using var ramp = TinyConvNet.Ramp();
        using var x = ramp.div(40);
        using var maps = tensor(TinyConvNet.Contributions, [1, 1, 4, 4]);
        using var targets = tensor(new long[] { 0 });
        var result = Metrics.AverageDrop(new AverageDropOptions { Fraction = 0.25 }).Score(model, x, targets, maps);
        result.Values[0].Should().BeApproximately(0.125533, 1e-5);

        using var flat = maps.view(1, 16);
        var wrong = () => Metrics.AverageDrop().Score(model, x, targets, flat);
        wrong.Should().Throw<ArgumentException>();
    }

    public static TheoryData<string> MetricNames => new()
    {
        "deletion", "insertion", "deletion-per-step", "average-drop", "average-drop-gradcam", "increase-in-confidence",
    };

    private static EvaluationMetric Make(string name) => name switch
    {
        "deletion" => Metrics.DeletionAuc(),
        "insertion" => Metrics.InsertionAuc(new CurveMetricOptions { RemovalValue = RemovalValue.Of(0.2) }),
        "deletion-per-step" => Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 5 }),
        "average-drop" => Metrics.AverageDrop(),
        "average-drop-gradcam" => Metrics.AverageDropGradCamPlusPlus(),
        "increase-in-confidence" => Metrics.IncreaseInConfidence(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(MetricNames))]
    public void Every_metric_gives_the_same_values_through_the_generic_path_as_on_the_fcnn(string name)
    {
        using var fcnn = TinyNets.RandomTrained([36, 12, 4], 181, noise: 0.5);
        var generic = ExplainableModel.FromFunction(fcnn.Forward, inputShape: [36]);
        using var x = TinyNets.SparseInputs(6, 36, 182);
        using var targets = tensor(new long[] { 0, 1, 2, 3, 0, 1 });
        using var maps = fcnn.Explain(x).For(targets).Using(Attributions.Saliency(new SaliencyOptions { Absolute = false })).Compute();

        var fast = Make(name).Score(fcnn, x, targets, maps, batchSize: 4);
        var slow = Make(name).Score(generic, x, targets, maps, batchSize: 4);
        slow.Values.Should().HaveCount(6);
        for (var i = 0; i < 6; i++)
        {
            if (double.IsNaN(fast.Values[i]))
            {
                double.IsNaN(slow.Values[i]).Should().BeTrue();
                continue;
            }

            slow.Values[i].Should().BeApproximately(fast.Values[i], 1e-5, $"image {i}");
        }
    }

    [Fact]
    public void Scoring_a_conv_net_leaks_no_tensors_and_leaves_the_module_in_its_mode()
    {
        using var module = TinyConvNet.Create();
        module.train();
        var model = ExplainableModel.FromModule(module);
        using var ramp = TinyConvNet.Ramp();
        using var x = ramp.div(40);
        using var maps = tensor(TinyConvNet.Contributions, [1, 1, 4, 4]);
        using var targets = tensor(new long[] { 0 });
        var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        foreach (var metric in Metrics.All)
        {
            metric.Score(model, x, targets, maps);
        }

        TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        module.training.Should().BeTrue();
    }

    [Fact]
    public void The_runner_scores_a_conv_net_with_maps_of_the_image_shape()
    {
        using var module = TinyConvNet.Create();
        var model = ExplainableModel.FromModule(module);
        using var ramp = TinyConvNet.Ramp();
        using var x = cat([ramp.div(40), ramp.flip(3).div(50)], 0);
        using var y = tensor(new long[] { 0, 0 });
        var report = model.Evaluate(x, y)
            .With(Attributions.IntegratedGradients(), Attributions.Random())
            .Metrics(Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 4 }), Metrics.AverageDrop())
            .Run();
        report.ImageCount.Should().Be(2);
        report["ig", "deletion_auc"].Values.Should().HaveCount(2);

        // IG ranks the strongest pixels first, so its deletion curve falls at least as fast as a random order's.
        report["ig", "deletion_auc"].Mean.Should().BeLessThanOrEqualTo(report["random", "deletion_auc"].Mean + 1e-9);
    }
}

/// <summary>A user's metric: the target's probability on the inputs (maps ignored), to check the plumbing.</summary>
internal sealed class TargetProbabilityMetric : CustomEvaluationMetric
{
    public override string Name => "target_probability";

    public override string DisplayName => "Target probability";

    public override MetricDirection Direction => MetricDirection.HigherIsBetter;

    protected override Tensor Score(ExplainableModel model, Tensor inputs, Tensor targets, Tensor maps, CancellationToken cancellationToken)
    {
        maps.shape.Should().Equal(inputs.shape);
        return model.Forward(inputs).softmax(1).gather(1, targets.unsqueeze(1)).squeeze(1);
    }
}

public class CustomEvaluationMetricTests
{
    [Fact]
    public void A_users_metric_runs_in_the_runner_with_inputs_of_the_image_shape()
    {
        // x = ramp / 40: logit₀ = 3.375, logit₁ = 0, so p₀ = σ(3.375) = 0.966914 (see TinyConvNet).
        using var module = TinyConvNet.Create();
        var model = ExplainableModel.FromModule(module);
        using var ramp = TinyConvNet.Ramp();
        using var x = ramp.div(40);
        using var y = tensor(new long[] { 0 });
        var report = model.Evaluate(x, y).With(Attributions.InputMagnitude()).Metrics(new TargetProbabilityMetric()).Run();
        report["input-magnitude", "target_probability"].Values[0].Should().BeApproximately(0.966914, 1e-5);
    }
}
