using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>The model and inputs every benchmark uses, so that `bench` and `bench-eval` measure the same work.</summary>
internal static class BenchFixtures
{
    /// <summary>A seeded 784-400-100-10-style network whose θ is θ⁰ plus N(0, 0.05²) noise (a stand-in for training).</summary>
    public static Fcnn PerturbedModel(int[] sizes, long seed)
    {
        var model = Fcnn.Create(new FcnnOptions { LayerSizes = sizes, Seed = seed });
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var g = new Generator((ulong)seed + 1);
        foreach (var p in model.Module.parameters())
        {
            p.add_(randn(p.shape, generator: g).mul_(0.05));
        }

        model.MarkTrained();
        return model;
    }

    /// <summary>Uniform [0, 1) pixels with about half of them exactly zero, like Fashion-MNIST.</summary>
    public static Tensor FashionLikeInputs(int rows, int features, long seed)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed + 2);
        var values = rand([rows, features], generator: g);
        return values.mul_(rand([rows, features], generator: g).ge(0.5)).MoveToOuterDisposeScope();
    }
}
