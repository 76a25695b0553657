using static TorchSharp.torch;

using Xwp.Tests.TestUtils;

namespace Xwp.Tests.Models;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xwp-models-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback synchronously (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class SyncProgress<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value) => onReport(value);
}

internal static class ModelFixtures
{
    /// <summary>A created model whose live parameters are moved by seeded noise, then captured as θ.</summary>
    public static Fcnn Perturbed(int[] sizes, long seed, Activation activation = Activation.ReLU, double slope = 0.01, double noise = 0.1) =>
        TinyNets.RandomTrained(sizes, seed, noise, activation, slope);

    /// <summary>Seeded standard-normal inputs <c>[rows, features]</c>.</summary>
    public static Tensor Normal(int rows, int features, long seed)
    {
        using var g = new Generator((ulong)seed);
        return randn([rows, features], generator: g);
    }
}
