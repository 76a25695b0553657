using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench --xwp-paths`: XWP and XWP^c on the paper's 784-400-100-10 network through the Fcnn fast path and
/// through the generic path (<see cref="XwpModel"/> over the same weights as an nn.Sequential), one class and
/// all classes at once, in images per second.
/// </summary>
internal static class BenchXwpPaths
{
    public static int Run(int images, int threads, int repeat, long seed)
    {
        XwpRuntime.Threads = threads;
        int[] sizes = [784, 400, 100, 10];
        using var fcnn = BenchFixtures.PerturbedModel(sizes, seed);
        using var inputs = BenchFixtures.FashionLikeInputs(images, sizes[0], seed);
        using var w0 = fcnn.CopyWeight(0, initial: true);
        using var initial = FirstLayerSnapshot.FromWeight("0", w0);
        using var generic = XwpModel.FromModule(fcnn.Module, initial);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## XWP on any model: the Fcnn fast path and the generic nn.Sequential path ({images} images, 784-400-100-10, {threads} thread(s), best of {repeat})"));
        Console.WriteLine();
        Console.WriteLine("| method | targets | Fcnn fast path, images/s | generic Sequential, images/s | generic / Fcnn | max \\|difference\\| |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var (name, method) in new[] { ("XWP", Attributions.Xwp()), ("XWP^c", Attributions.XwpComplement()) })
        {
            foreach (var all in new[] { false, true })
            {
                Tensor Explain(ExplainableModel m, Tensor x)
                {
                    var builder = m.Explain(x).Using(method);
                    return (all ? builder.ForAllClasses() : builder).Compute();
                }

                Explain(fcnn, inputs.narrow(0, 0, 1)).Dispose();
                Explain(generic, inputs.narrow(0, 0, 1)).Dispose();
                var (fast, fastMap) = BenchCommand.Time(() => Explain(fcnn, inputs), repeat);
                var (slow, slowMap) = BenchCommand.Time(() => Explain(generic, inputs), repeat);
                using (fastMap)
                using (slowMap)
                using (var diff = fastMap.sub(slowMap).abs().max())
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {(all ? "all 10 classes" : "predicted class")} | {images / fast:F1} | {images / slow:F1} | {fast / slow:P0} | {diff.item<float>():E1} |"));
                }
            }
        }

        return 0;
    }
}
