using System.Diagnostics;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench --torchscript model.pt --inputs X.npy`: images per second of the generic Occlusion, KernelSHAP
/// and Integrated Gradients on a scripted model, with the settings of docs/bench/small_cnn_captum.py (which
/// times Captum on the same files): window 4×4 stride 2, 4×4 superpixels on 28×28 with 500 coalitions,
/// 50 Gauss–Legendre steps; softmax probabilities of the predicted class, baseline 0.
/// </summary>
internal static class BenchAnyModel
{
    public static int Run(string modelPath, string inputsPath, int threads, int repeat)
    {
        XwpRuntime.Threads = threads;
        using var model = TorchScriptModel.Load(modelPath);
        using var inputs = ModelArguments.ReadBatch(inputsPath, "inputs");
        var (height, width) = ((int)inputs.shape[^2], (int)inputs.shape[^1]);
        Console.WriteLine($"# xwp bench — {Path.GetFileName(modelPath)}, inputs [{string.Join(", ", inputs.shape)}], {threads} thread(s), best of {repeat}");
        Console.WriteLine();
        Console.WriteLine("| Xwp (generic path) | images/s |");
        Console.WriteLine("|---|---:|");
        using var shapInputs = inputs.narrow(0, 0, Math.Min(8, inputs.shape[0]));
        foreach (var (name, method, x) in new[]
        {
            ("Occlusion 4x4 / 2", Attributions.Occlusion(new OcclusionOptions { Window = (4, 4), Stride = (2, 2) }), inputs),
            ("KernelSHAP 4x4 superpixels, 500 samples", Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(height, width, 4), Samples = 500 }), shapInputs),
            ("IG 50 Gauss-Legendre steps", Attributions.IntegratedGradients(), inputs),
        })
        {
            var seconds = Best(repeat, () => model.Explain(x).Using(method).Compute().Dispose());
            Console.WriteLine($"| {name} | {x.shape[0] / seconds:F1} |");
        }

        return 0;
    }

    private static double Best(int repeat, Action run)
    {
        run();
        var best = double.MaxValue;
        for (var i = 0; i < repeat; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }
}
