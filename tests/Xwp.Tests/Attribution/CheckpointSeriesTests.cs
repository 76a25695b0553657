using FluentAssertions;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>XWP along training: one map per checkpoint, relative to the first.</summary>
public sealed class CheckpointSeriesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-series-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// Trains a 2-8-2 MLP on "class 1 iff x₀ > 0" (x₁ is noise) with SGD and saves safetensors checkpoints
    /// at steps 0, 5 and 60. By construction training can only make feature 0 matter.
    /// </summary>
    private (nn.Module<Tensor, Tensor> Module, string[] Checkpoints) TrainWithCheckpoints()
    {
        manual_seed(17);
        var module = nn.Sequential(("fc", nn.Linear(2, 8)), ("relu", nn.ReLU()), ("out", nn.Linear(8, 2)));
        var optimizer = optim.SGD(module.parameters(), 0.5);
        var paths = new List<string>();
        using var g = new Generator(3);
        for (var step = 0; step <= 60; step++)
        {
            if (step is 0 or 5 or 60)
            {
                var path = Path.Combine(_dir, $"step{step}.safetensors");
                Safetensors.SaveStateDict(path, module.state_dict());
                paths.Add(path);
            }

            using var scope = NewDisposeScope();
            var x = randn(64, 2, generator: g);
            var y = x.select(1, 0).gt(0).to(int64);
            var loss = nn.functional.cross_entropy(module.call(x), y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        return (module, [.. paths]);
    }

    [Fact]
    public void Feature_zero_gains_positive_attribution_along_training_and_the_noise_feature_stays_small()
    {
        var (module, checkpoints) = TrainWithCheckpoints();
        using var _ = module;
        using var before = module.parameters().First().detach().clone();
        using var x = tensor(new float[] { 1.5f, 0.3f, -1.5f, 0.3f }, [2, 2]);
        using var y = tensor(new long[] { 1, 0 });

        using var maps = CheckpointSeries.Explain(module, checkpoints, x, Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits }), y);

        maps.shape.Should().Equal(2, 2, 2);
        // By construction the trained first-layer columns of x₀ push towards the right class on both sides
        // of zero, so resetting them to step 0 lowers the target's margin: R₀ > 0 at the last checkpoint,
        // larger than at step 5, and larger than the noise feature's |R₁|.
        var last = maps[1];
        for (var n = 0; n < 2; n++)
        {
            last[n, 0].item<float>().Should().BeGreaterThan(0f);
            last[n, 0].item<float>().Should().BeGreaterThan(Math.Abs(last[n, 1].item<float>()));
            last[n, 0].item<float>().Should().BeGreaterThan(maps[0][n, 0].item<float>());
        }

        TensorAssert.Identical(module.parameters().First(), before);
    }

    [Fact]
    public void The_first_map_equals_xwp_with_the_first_checkpoint_as_reference()
    {
        var (module, checkpoints) = TrainWithCheckpoints();
        using var _ = module;
        using var x = randn(3, 2);
        using var maps = CheckpointSeries.Explain(module, checkpoints, x, Attributions.Xwp());

        // The same by hand: load step 5 into the module, take step 0's first-layer weight as θ⁰.
        var state = Safetensors.LoadStateDict(checkpoints[1]);
        using (no_grad())
        {
            foreach (var (name, p) in module.named_parameters())
            {
                p.copy_(state[name]);
            }
        }

        var zero = Safetensors.LoadStateDict(checkpoints[0]);
        using var reference = FirstLayerSnapshot.FromWeight("fc", zero["fc.weight"]);
        using var model = XwpModel.FromModule(module, reference);
        using var predicted = module.call(x).argmax(1);
        using var expected = model.Explain(x).For(predicted).Using(Attributions.Xwp()).Compute();

        maps.shape.Should().Equal(2, 3, 2);
        using var series = CheckpointSeries.Explain(module, checkpoints, x, Attributions.Xwp(), predicted);
        TensorAssert.Close(series[0], expected, 1e-6);
        expected.abs().max().item<float>().Should().BeGreaterThan(1e-4f);
    }

    [Fact]
    public void Bad_series_are_refused_by_name()
    {
        var (module, checkpoints) = TrainWithCheckpoints();
        using var _ = module;
        using var x = randn(2, 2);
        var one = () => CheckpointSeries.Explain(module, [checkpoints[0]], x, Attributions.Xwp());
        one.Should().Throw<ArgumentException>().WithMessage("*at least one later*");
        var ig = () => CheckpointSeries.Explain(module, checkpoints, x, Attributions.IntegratedGradients());
        ig.Should().Throw<ArgumentException>().WithMessage("*XWP or XWP^c*");

        var partial = Path.Combine(_dir, "partial.safetensors");
        using var w = zeros(8, 2);
        Safetensors.SaveStateDict(partial, new Dictionary<string, Tensor> { ["fc.weight"] = w });
        var missing = () => CheckpointSeries.Explain(module, [checkpoints[0], partial], x, Attributions.Xwp());
        missing.Should().Throw<InvalidDataException>().WithMessage("*partial.safetensors*has no tensor 'fc.bias'*");
    }
}
