using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Xwp.Tests.Docs;

/// <summary>The README's "XWP on your own model" snippet, compiled and run.</summary>
public class XwpAnyModelExampleTests
{
    [Fact]
    public void A_users_mlp_is_explained_with_xwp_after_its_own_training_loop()
    {
        using var scope = NewDisposeScope();
        var x = randn(256, 20);
        var y = x.narrow(1, 0, 3).argmax(1);

        // README: xwp-any-model
        // Your own MLP (BatchNorm, Dropout, GELU): inputs [N, 20], logits [N, 3].
        var mlp = nn.Sequential(
            ("fc1", nn.Linear(20, 64)), ("bn", nn.BatchNorm1d(64)), ("gelu", nn.GELU()),
            ("drop", nn.Dropout(0.2)), ("out", nn.Linear(64, 3)));
        using var initial = FirstLayerSnapshot.Capture(mlp);      // θ⁰: fc1.weight, before any step

        var optimizer = optim.Adam(mlp.parameters(), 1e-2);
        for (var step = 0; step < 50; step++)                     // your own training loop
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(mlp.call(x), y).backward();
            optimizer.step();
        }

        using var model = XwpModel.FromModule(mlp, initial);      // splits at fc1: the rank-1 path
        var xwp = model.Explain(x).For(y).Using(Attributions.Xwp()).Compute();                      // [256, 20]
        var every = model.Explain(x).ForAllClasses().Using(Attributions.XwpComplement()).Compute(); // [256, 3, 20]
        // README: end

        xwp.shape.Should().Equal(256, 20);
        every.shape.Should().Equal(256, 3, 20);
        // Only features 0–2 decide the label: they carry most of the attribution.
        var mean = xwp.abs().mean([0]);
        mean.narrow(0, 0, 3).min().item<float>().Should().BeGreaterThan(mean.narrow(0, 3, 17).max().item<float>());
        mlp.Dispose();
    }
}
