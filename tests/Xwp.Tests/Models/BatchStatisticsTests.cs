using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.IO;
using Xwp.Tests.Cli;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

/// <summary>
/// BatchNorm without running statistics (track_running_stats=False) normalises with the batch's own statistics even in
/// eval mode, so a map would depend on the other images of its batch: explanations and evaluations refuse such models with
/// one line that names the file and the layer (as named_modules() names it, also when nested), says why and what to do
/// (batch_stats_mlp.pt, batch_stats_cnn.pt: make_batch_stats_fixtures.py).
/// </summary>
public class BatchStatisticsTests
{
    private const string Why =
        "*has BatchNorm layer(s) with track_running_stats=False (*): they normalise every batch with its own mean and variance even in eval mode, " +
        "so an input's outputs and map would depend on the other inputs batched with it. Keep running statistics (track_running_stats=True, " +
        "estimated in train mode on training data) or use a per-input normalisation (LayerNorm, GroupNorm), then save the model again.";

    [Fact]
    public void The_scripted_cnn_really_depends_on_the_batch_and_every_explanation_and_evaluation_refuses_it()
    {
        // Why: in eval mode the nested BatchNorm2d still uses the batch's statistics, so image 0's logits change with its batch-mates.
        var path = TorchScriptCommandTests.Fixture("batch_stats_cnn.pt");
        using var model = TorchScriptModel.Load(path);
        using var x = rand(3, 1, 4, 4, generator: new Generator(9));
        using (no_grad())
        {
            model.Module.eval();
            using var alone = model.Forward(x.narrow(0, 0, 2));
            using var together = model.Forward(x);
            using var gap = alone[0].sub(together[0]).abs().max();
            gap.item<float>().Should().BeGreaterThan(1e-3f);
        }

        var refusal = $"The TorchScript model '{path}' has BatchNorm layer(s) with track_running_stats=False ('0.1' (BatchNorm2d)): *";
        var explain = () => model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { ImageShape = (4, 4), Window = (2, 2), Stride = (2, 2) })).Compute();
        explain.Should().Throw<InvalidOperationException>().WithMessage(refusal).And.Message.Should().Match(Why).And.NotContain("\n");
        var given = () => model.Explain(x).For(0, 1, 2).Using(Attributions.Saliency()).Compute();
        given.Should().Throw<InvalidOperationException>().WithMessage(refusal);
        var evaluate = () => model.Evaluate(x).With(Attributions.FeatureAblation()).Run();
        evaluate.Should().Throw<InvalidOperationException>().WithMessage(refusal);
        using var maps = rand(3, 1, 4, 4, generator: new Generator(10));
        using var targets = tensor(new long[] { 0, 1, 2 });
        var score = () => Metrics.DeletionAuc().Score(model, x, targets, maps);
        score.Should().Throw<InvalidOperationException>().WithMessage(refusal);
    }

    [Fact]
    public void The_scripted_mlp_is_refused_with_the_same_line_instead_of_a_one_row_batch_error()
    {
        // Before: "... Expected more than 1 value per channel when training ..." from a one-row pass, or a silent map.
        var path = TorchScriptCommandTests.Fixture("batch_stats_mlp.pt");
        using var model = TorchScriptModel.Load(path);
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        var act = () => model.Explain(x).For(0, 1, 2, 0, 1).Using(Attributions.FeatureAblation()).Compute();
        act.Should().Throw<InvalidOperationException>()
            .WithMessage($"The TorchScript model '{path}' has BatchNorm layer(s) with track_running_stats=False ('1' (BatchNorm1d)): *");

        // A scripted model with running statistics is explained as usual.
        using var tracked = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("mlp.pt"));
        using var map = tracked.Explain(x).Using(Attributions.FeatureAblation()).Compute();
        map.shape.Should().Equal(5, 6);
    }

    [Fact]
    public void A_torchsharp_module_names_the_layer_and_the_module_keeps_its_training_mode()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var module = nn.Sequential(("fc", nn.Linear(6, 4)), ("norm", nn.BatchNorm1d(4, track_running_stats: false)), ("relu", nn.ReLU()), ("out", nn.Linear(4, 3)));
        var model = ExplainableModel.FromModule(module);
        var x = rand(5, 6, generator: new Generator(12));
        var act = () => model.Explain(x).Using(Attributions.FeatureAblation()).Compute();
        act.Should().Throw<InvalidOperationException>().WithMessage("The module (Sequential) has BatchNorm layer(s) with track_running_stats=False ('norm' (BatchNorm1d)): *");
        module.training.Should().BeTrue("the refusal comes before eval mode is entered");

        var tracked = nn.Sequential(("fc", nn.Linear(6, 4)), ("norm", nn.BatchNorm1d(4)), ("relu", nn.ReLU()), ("out", nn.Linear(4, 3)));
        var map = ExplainableModel.FromModule(tracked).Explain(x).Using(Attributions.FeatureAblation()).Compute();
        map.shape.Should().Equal(5, 6);
    }
}
