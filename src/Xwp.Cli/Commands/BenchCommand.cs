using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench`: literal row swap vs the rank-1 fast path for XWP and XWP^c on a 784-400-100-10
/// network with Fashion-MNIST-like inputs (about half the pixels zero), next to a plain matmul of
/// the shape that dominates the fast path, all measured in one run with an explicit thread count.
/// </summary>
internal sealed class BenchCommand : ICommand
{
    public string Name => "bench";

    public string Summary => "Benchmark literal vs fast XWP/XWP^c against a plain matmul.";

    public string Usage => """
        Usage: xwp bench [--images 1024] [--literal-images 32] [--threads 2] [--repeat 3] [--seed 0] [--budget-mb 256] [--baseline-images 256]
               xwp bench --torchscript MODEL.pt --inputs X.npy [--threads 2] [--repeat 3]

          --images          images for the fast path (the literal path uses --literal-images of them)
          --threads         torch intra-op threads, set explicitly so runs compare
          --repeat          timed repetitions; the best is reported
          --baseline-images inputs for the table of every method at its defaults (0 skips it)
          --torchscript     instead: Occlusion, KernelSHAP and IG through the generic path on a scripted model
                            and --inputs [N, ..., H, W] (see docs/bench/small_cnn_captum.py for Captum on the same files)
        """;

    public int Run(Arguments args)
    {
        if (args.Optional("torchscript") is { } torchScript)
        {
            var inputsPath = args.Required("inputs");
            var scriptThreads = args.Int("threads", 2, min: 1);
            var scriptRepeat = args.Int("repeat", 3, min: 1);
            args.RejectUnknown();
            return BenchAnyModel.Run(torchScript, inputsPath, scriptThreads, scriptRepeat);
        }

        var images = args.Int("images", 1024, min: 1);
        var literalImages = args.Int("literal-images", 32, min: 1);
        var threads = args.Int("threads", 2, min: 1);
        var repeat = args.Int("repeat", 3, min: 1);
        var seed = args.Long("seed", 0);
        var budget = args.Long("budget-mb", XwpOptions.DefaultMemoryBudgetBytes >> 20) << 20;
        var baselineImages = args.Int("baseline-images", 256, min: 0);
        args.RejectUnknown();
        literalImages = Math.Min(literalImages, images);

        XwpRuntime.Threads = threads;
        int[] sizes = [784, 400, 100, 10];
        using var model = BenchFixtures.PerturbedModel(sizes, seed);
        using var inputs = BenchFixtures.FashionLikeInputs(images, sizes[0], seed);
        using var literalInputs = inputs.narrow(0, 0, literalImages).clone();
        using var nonZero = inputs.ne(0).sum();
        var pairs = nonZero.item<long>();

        Console.WriteLine($"# xwp bench — 784-400-100-10, {images} images ({pairs / (double)(images * sizes[0]):P0} of pixels non-zero), {threads} thread(s), best of {repeat}");
        Console.WriteLine();
        var matmul = MatmulGflops(sizes[1], sizes[2], repeat);
        Console.WriteLine($"Plain matmul [16384, {sizes[1]}] x [{sizes[1]}, {sizes[2]}]: {matmul:F1} GFLOP/s");
        Console.WriteLine();
        Console.WriteLine("| method | literal images/s | fast images/s | speed-up | max abs diff | fast useful GFLOP/s | % of matmul |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");

        foreach (var (name, literal, fast) in new[]
        {
            ("XWP", Attributions.Xwp(new XwpOptions { Algorithm = XwpAlgorithm.RowSwap }), Attributions.Xwp(new XwpOptions { MemoryBudgetBytes = budget })),
            ("XWP^c", Attributions.XwpComplement(new XwpComplementOptions { Algorithm = XwpAlgorithm.RowSwap }), Attributions.XwpComplement(new XwpComplementOptions { MemoryBudgetBytes = budget })),
        })
        {
            Run(model, literalInputs.narrow(0, 0, 1), fast).Dispose();
            Run(model, literalInputs.narrow(0, 0, 1), literal).Dispose();
            var (literalSeconds, literalMap) = Time(() => Run(model, literalInputs, literal), 1);
            var (fastSubsetSeconds, fastSubset) = Time(() => Run(model, literalInputs, fast), 1);
            var (fastSeconds, fastMap) = Time(() => Run(model, inputs, fast), repeat);
            using (literalMap)
            using (fastSubset)
            using (fastMap)
            using (var diff = fastSubset.sub(literalMap).abs().max())
            {
                var literalRate = literalImages / literalSeconds;
                var fastRate = images / fastSeconds;
                var flops = UsefulFlops(sizes, images, pairs);
                var gflops = flops / fastSeconds / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {literalRate:F1} | {fastRate:F1} | {fastRate / literalRate:F1}x | {diff.item<float>():E1} | {gflops:F1} | {100 * gflops / matmul:F0}% |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("Useful FLOPs of the fast path: the trained first layer once per image (2·N·784·400), the head once per image,");
        Console.WriteLine("and per non-zero pixel one rank-1 update (2·400) plus one head pass (2·(400·100 + 100·10)).");

        if (baselineImages > 0)
        {
            using var sample = inputs.narrow(0, 0, Math.Min(baselineImages, images)).clone();
            BenchBaselines(model, sample, repeat);
        }

        return 0;
    }

    /// <summary>Every method at its defaults (and Captum's benchmark settings where they differ), same model and inputs.</summary>
    private static void BenchBaselines(Fcnn model, Tensor inputs, int repeat)
    {
        var n = inputs.shape[0];
        Console.WriteLine();
        Console.WriteLine($"## Every method on {n} of the images (images/s, best of {repeat}; Captum figures: the same method on this CPU class, from issue 3)");
        Console.WriteLine();
        Console.WriteLine("| method | settings | images/s | Captum |");
        Console.WriteLine("|---|---|---:|---:|");
        var cases = new (string Name, string Settings, AttributionMethod Method, string Captum)[]
        {
            ("XWP", "defaults", Attributions.Xwp(), "—"),
            ("XWP^c", "defaults", Attributions.XwpComplement(), "—"),
            ("Occlusion", "4×4 window, stride 2 (defaults)", Attributions.Occlusion(), "≈ 1200"),
            ("Feature ablation", "single pixels", Attributions.FeatureAblation(), "—"),
            ("KernelSHAP", "500 samples, 49 superpixels (4×4)", Attributions.KernelShap(new KernelShapOptions { Samples = 500, FeatureMask = FeatureMask.Superpixels(28, 28, 4) }), "≈ 40"),
            ("KernelSHAP", "defaults (2M+2048 samples, single pixels)", Attributions.KernelShap(), "—"),
            ("KernelSHAP", "paper's SHAP row: defaults, 2×2 superpixels", Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 2) }), "—"),
            ("Shapley value sampling", "25 permutations, 49 superpixels (4×4)", Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 4) }), "≈ 160"),
            ("Shapley value sampling", "25 permutations, single pixels (defaults)", Attributions.ShapleyValueSampling(), "—"),
            ("RISE", "4000 masks, 7×7, p = 0.5 (defaults)", Attributions.Rise(), "—"),
            ("Integrated Gradients", "50 steps, Gauss–Legendre (defaults)", Attributions.IntegratedGradients(), "≈ 770"),
            ("LRP", "ε = 1e-9 (defaults)", Attributions.Lrp(), "—"),
            ("Saliency", "defaults", Attributions.Saliency(), "—"),
            ("Input×Gradient", "defaults", Attributions.InputXGradient(), "—"),
            ("Random", "defaults", Attributions.Random(), "—"),
            ("Input magnitude", "defaults", Attributions.InputMagnitude(), "—"),
        };
        foreach (var (name, settings, method, captum) in cases)
        {
            Run(model, inputs.narrow(0, 0, 1), method).Dispose();
            var (seconds, map) = Time(() => Run(model, inputs, method), repeat);
            map.Dispose();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {settings} | {n / seconds:F1} | {captum} |"));
        }
    }

    private static Tensor Run(Fcnn model, Tensor inputs, AttributionMethod method) =>
        model.Explain(inputs).Using(method).Compute();

    private static (double Seconds, Tensor Result) Time(Func<Tensor> run, int repeat)
    {
        Tensor? result = null;
        var best = double.MaxValue;
        for (var i = 0; i < repeat; i++)
        {
            result?.Dispose();
            var watch = Stopwatch.StartNew();
            result = run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return (best, result!);
    }

    private static double UsefulFlops(int[] s, long images, long pairs)
    {
        double head = 2.0 * ((s[1] * (double)s[2]) + (s[2] * (double)s[3]));
        return (2.0 * images * s[0] * s[1]) + (images * head) + (pairs * ((2.0 * s[1]) + head));
    }

    private static double MatmulGflops(int k, int n, int repeat)
    {
        const int m = 16384;
        using var scope = NewDisposeScope();
        using var g = new Generator(1);
        var a = randn([m, k], generator: g);
        var b = randn([k, n], generator: g);
        mm(a, b).Dispose();
        var best = double.MaxValue;
        for (var r = 0; r < repeat; r++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 10; i++)
            {
                mm(a, b).Dispose();
            }

            best = Math.Min(best, watch.Elapsed.TotalSeconds / 10);
        }

        return 2.0 * m * k * n / best / 1e9;
    }
}
