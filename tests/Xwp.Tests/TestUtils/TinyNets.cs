using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Tests.TestUtils;

/// <summary>Small networks with hand-picked weights, and random ones with a perturbed "trained" snapshot.</summary>
internal static class TinyNets
{
    /// <summary>
    /// The 3-2-2 ReLU network the hand-computed tests use.
    /// Trained first layer W = [[1, 2, 0], [0, 1, -1]], b = [0, -1]; initial W⁰ = [[0, 1, 1], [1, 0, 0]]
    /// (same bias); second layer the identity with zero bias, in both snapshots.
    /// </summary>
    public static Fcnn ThreeTwoTwo()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1, 2, 0, 0, 1, -1 }, [2, 3]);
        var w0 = tensor(new float[] { 0, 1, 1, 1, 0, 0 }, [2, 3]);
        var b = tensor(new float[] { 0, -1 });
        var w2 = eye(2, dtype: float32);
        var b2 = zeros(2);
        var initial = FcnnSnapshot.Capture([w0, w2], [b, b2], Activation.ReLU, 0.01);
        var trained = FcnnSnapshot.Capture([w, w2], [b, b2], Activation.ReLU, 0.01);
        return Fcnn.FromSnapshots(initial, trained);
    }

    /// <summary>A random network whose θ is θ⁰ plus Gaussian noise of the given scale (a stand-in for training).</summary>
    public static Fcnn RandomTrained(int[] sizes, long seed, double noise = 0.05, Activation activation = Activation.ReLU, double slope = 0.01)
    {
        var model = Fcnn.Create(new FcnnOptions { LayerSizes = sizes, Seed = seed, Activation = activation, LeakyReLUSlope = slope });
        using (var scope = NewDisposeScope())
        using (no_grad())
        using (var g = new Generator((ulong)seed + 1000))
        {
            foreach (var p in model.Module.parameters())
            {
                p.add_(randn(p.shape, generator: g).mul_(noise));
            }
        }

        model.MarkTrained();
        return model;
    }

    /// <summary>Random inputs in [0, 1) with about half the features exactly zero, like Fashion-MNIST.</summary>
    public static Tensor SparseInputs(int rows, int features, long seed, double zeroFraction = 0.5)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var values = rand([rows, features], generator: g);
        var keep = rand([rows, features], generator: g).ge(zeroFraction);
        return values.mul(keep).MoveToOuterDisposeScope();
    }
}
