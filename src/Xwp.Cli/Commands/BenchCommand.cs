using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench`: literal row swap vs the rank-1 fast path for XWP and XWP^c on a 784-400-100-10
/// network with Fashion-MNIST-like inputs (about half the pixels zero), next to a plain matmul of
/// the shape that dominates the fast path, then every method on the same model and inputs, all
/// measured in one run with an explicit thread count. <c>--export</c> writes the model, inputs and
/// maps for the peer benchmark in <c>bench/peers/</c>; <c>--json</c> prints the results for it;
/// <c>--load</c> times <c>xwp reproduce</c> idle and beside a busy core.
/// </summary>
internal sealed class BenchCommand : ICommand
{
    /// <summary>The hidden option that turns a child `xwp bench` into the busy loop of <c>--load</c>.</summary>
    internal const string BusyLoopOption = "busy-loop-for";

    public string Name => "bench";

    public string Summary => "Benchmark XWP's fast path and every method; export for the peer benchmark; timing under load.";

    public string Usage => """
        Usage: xwp bench [--images 1024] [--literal-images 32] [--threads 2] [--repeat 3] [--seed 0] [--budget-mb 256]
                         [--method-images N | KEY=N,...] [--methods KEY,...] [--peers-only] [--json] [--export DIR [--compare-images 256]]
               xwp bench --load [--limit 100] [--datasets fashion-mnist,tmnist-style] [--epochs 10] [--json]
               xwp bench --torchscript MODEL.pt --inputs X.npy [--threads 2] [--repeat 3] [--method-images N | KEY=N,...] [--json] [--export DIR]
               xwp bench --xwp-paths [--images 256] [--threads 2] [--repeat 3] [--seed 0]

          --images          images for the fast path (the literal path uses --literal-images of them)
          --threads         torch intra-op threads, set explicitly so runs compare
          --repeat          timed repetitions; the best is reported
          --method-images   images for every row of the method table (default: 65,536 for LRP, saliency and
                            input×gradient, 4,096 for IG, 1,024 for the other methods with a peer, 256 for the rest;
                            --literal-images for literal XWP); 0 skips the table. KEY=N,... sets single rows
                            (bench/peers/run.sh uses it to time Xwp at the batch size where each peer was fastest)
          --methods         only these rows of the method table (keys: xwp, xwp-literal, xwpc, occlusion, kernelshap,
                            svs, ig, lrp, saliency, inputxgradient, feature-ablation, kernelshap-defaults,
                            kernelshap-paper, svs-pixels, rise, random, input-magnitude)
          --peers-only      only the rows that bench/peers/ has a PyTorch or Captum peer for
          --json            print the results as JSON instead of Markdown tables
          --export DIR      write the model (initial.pt, trained.pt: PyTorch state_dicts of nn.Sequential(Linear, ReLU, …)),
                            inputs.npy, targets.npy, Xwp's maps of the first --compare-images images (maps/KEY.npy, for the
                            methods without randomness) and manifest.json (every method's settings) for bench/peers/; no timing
          --load            time `xwp reproduce --limit N` with its default settings, idle and with one core kept busy by a
                            child process that spins (started and stopped by the bench), and print both times and the ratio
          --xwp-paths       instead: XWP/XWP^c through the Fcnn fast path and through XwpModel over the same weights
                            as an nn.Sequential, for one class and for all classes
          --torchscript     instead: Occlusion, KernelSHAP and IG (the method table's settings) through the generic path on
                            a scripted model and --inputs [N, 1, 28, 28], on every input (KernelSHAP: the first 8); with
                            --export DIR the inputs, targets, maps and manifest.json for bench/peers/ (run.sh times Captum
                            on docs/bench/small_cnn.pt this way)
        """;

    public int Run(Arguments args)
    {
        if (args.Optional(BusyLoopOption) is { } parent)
        {
            args.RejectUnknown();
            return BenchLoad.Spin(parent);
        }

        if (args.Flag("load"))
        {
            return BenchLoad.Run(args);
        }

        if (args.Optional("torchscript") is { } torchScript)
        {
            var inputsPath = args.Required("inputs");
            var scriptThreads = args.Threads(2);
            var scriptRepeat = args.Int("repeat", 3, min: 1);
            var scriptImages = MethodImages(args);
            var scriptJson = args.Flag("json");
            var scriptExport = args.Optional("export");
            args.RejectUnknown();
            return BenchAnyModel.Run(torchScript, inputsPath, scriptThreads, scriptRepeat, scriptJson, scriptExport, scriptImages);
        }

        if (args.Flag("xwp-paths"))
        {
            var pathImages = args.Int("images", 256, min: 1);
            var pathThreads = args.Threads(Math.Min(2, XwpRuntime.MaxThreads));
            var pathRepeat = args.Int("repeat", 3, min: 1);
            var pathSeed = args.Long("seed", 0);
            args.RejectUnknown();
            return BenchXwpPaths.Run(pathImages, pathThreads, pathRepeat, pathSeed);
        }

        var images = args.Int("images", 1024, min: 1);
        var literalImages = args.Int("literal-images", 32, min: 1);
        var threads = args.Threads(Math.Min(2, XwpRuntime.MaxThreads));
        var repeat = args.Int("repeat", 3, min: 1);
        var seed = args.Long("seed", 0);
        var budget = args.Long("budget-mb", XwpOptions.DefaultMemoryBudgetBytes >> 20, min: 1, max: long.MaxValue >> 20) << 20;
        var (methodImages, rowImages) = MethodImages(args);
        var only = args.Optional("methods");
        var peersOnly = args.Flag("peers-only");
        var json = args.Flag("json");
        var export = args.Optional("export");
        var compareImages = args.Int("compare-images", 256, min: 1);
        args.RejectUnknown();
        literalImages = Math.Min(literalImages, images);

        XwpRuntime.Threads = threads;
        int[] sizes = [784, 400, 100, 10];
        var cases = SelectCases(literalImages, methodImages, rowImages, only, peersOnly);
        using var model = BenchFixtures.PerturbedModel(sizes, seed);
        var caseRows = cases.Count == 0 ? 0 : cases.Max(c => c.Images);
        var inputRows = export is null ? Math.Max(images, caseRows) : Math.Max(1, caseRows);
        using var inputs = BenchFixtures.FashionLikeInputs(inputRows, sizes[0], seed);

        if (export is not null)
        {
            BenchExport.Write(export, model, inputs, cases, compareImages, threads, seed);
            Console.WriteLine($"Wrote the model, {inputRows} inputs and targets, {cases.Count(c => c.Peer is not null && c.Deterministic)} maps and manifest.json to {export}.");
            return 0;
        }

        var fastPath = BenchFastPath(model, inputs.narrow(0, 0, images), literalImages, repeat, budget, sizes);
        var rows = new List<MethodTiming>();
        if (!json)
        {
            PrintFastPath(fastPath, images, threads, repeat);
        }

        if (cases.Count > 0 && !json)
        {
            Console.WriteLine();
            Console.WriteLine($"## Every method (images/s, best of {repeat} after a warm-up; the peer benchmark in bench/peers/ times PyTorch/Captum on the same work)");
            Console.WriteLine();
            Console.WriteLine("| method | settings | images | images/s |");
            Console.WriteLine("|---|---|---:|---:|");
        }

        foreach (var c in cases)
        {
            var timing = TimeCase(model, inputs, c, repeat);
            rows.Add(timing);
            if (!json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Name} | {c.Settings} | {c.Images} | {timing.ImagesPerSecond:F1} |"));
            }
        }

        if (json)
        {
            WriteJson(fastPath, rows, images, literalImages, threads, repeat, seed);
        }

        return 0;
    }

    /// <summary><c>--method-images N</c> (every row) or <c>--method-images KEY=N,...</c> (those rows).</summary>
    internal static (int? All, Dictionary<string, int> Rows) MethodImages(Arguments args)
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        var text = args.Optional("method-images");
        if (text is null)
        {
            return (null, rows);
        }

        if (!text.Contains('=', StringComparison.Ordinal))
        {
            return (args.Int("method-images", 0, min: 0), rows);
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                throw new UsageException($"--method-images takes N or KEY=N,... with N ≥ 1; '{part}' is neither.");
            }

            rows[pair[0]] = n;
        }

        return (null, rows);
    }

    private static List<BenchCase> SelectCases(int literalImages, int? methodImages, Dictionary<string, int> rowImages, string? only, bool peersOnly)
    {
        var all = BenchCase.All(literalImages);
        var unknownRows = rowImages.Keys.Where(k => all.All(c => c.Key != k)).ToList();
        if (unknownRows.Count > 0)
        {
            throw new UsageException($"--method-images: unknown key(s) {string.Join(", ", unknownRows)}; known: {string.Join(", ", all.Select(c => c.Key))}.");
        }

        IEnumerable<BenchCase> chosen = all;
        if (only is not null)
        {
            var keys = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = keys.Where(k => all.All(c => c.Key != k)).ToList();
            if (unknown.Count > 0)
            {
                throw new UsageException($"--methods: unknown key(s) {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(c => c.Key))}.");
            }

            chosen = chosen.Where(c => keys.Contains(c.Key));
        }

        if (peersOnly)
        {
            chosen = chosen.Where(c => c.Peer is not null);
        }

        if (methodImages == 0)
        {
            return [];
        }

        return chosen
            .Select(c => methodImages is { } n ? c with { Images = n } : rowImages.TryGetValue(c.Key, out var r) ? c with { Images = r } : c)
            .ToList();
    }

    private sealed record FastPathRow(string Method, double LiteralRate, double FastRate, double MaxAbsDiff, double UsefulGflops, double PerformedGflops, double ActiveShare);

    private sealed record FastPathResult(double MatmulGflops, double NonZeroShare, IReadOnlyList<FastPathRow> Rows);

    private sealed record MethodTiming(BenchCase Case, double Seconds)
    {
        public double ImagesPerSecond => Case.Images / Seconds;
    }

    private static FastPathResult BenchFastPath(Fcnn model, Tensor inputs, int literalImages, int repeat, long budget, int[] sizes)
    {
        var images = inputs.shape[0];
        using var literalInputs = inputs.narrow(0, 0, literalImages).clone();
        using var nonZero = inputs.ne(0).sum();
        var pairs = nonZero.item<long>();
        var matmul = MatmulGflops(sizes[1], sizes[2], repeat);
        var rows = new List<FastPathRow>();
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
            Interlocked.Exchange(ref Xwp.Attribution.Xwp.ActiveUnitPasses.MultiplyAdds, 0);
            var (fastSeconds, fastMap) = Time(() => Run(model, inputs, fast), repeat);
            var products = Interlocked.Read(ref Xwp.Attribution.Xwp.ActiveUnitPasses.MultiplyAdds) / (double)repeat;
            using (literalMap)
            using (fastSubset)
            using (fastMap)
            using (var diff = fastSubset.sub(literalMap).abs().max())
            {
                var flops = UsefulFlops(sizes, images, pairs);
                var performed = PerformedFlops(sizes, images, pairs, products);
                var active = products / (pairs * (sizes[1] + 1.0) * sizes[2]);
                rows.Add(new FastPathRow(name, literalImages / literalSeconds, images / fastSeconds, diff.item<float>(), flops / fastSeconds / 1e9, performed / fastSeconds / 1e9, active));
            }
        }

        return new FastPathResult(matmul, pairs / (double)(images * sizes[0]), rows);
    }

    private static void PrintFastPath(FastPathResult result, int images, int threads, int repeat)
    {
        Console.WriteLine($"# xwp bench — 784-400-100-10, {images} images ({result.NonZeroShare:P0} of pixels non-zero), {threads} thread(s), best of {repeat}");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Plain matmul [16384, 400] x [400, 100]: {result.MatmulGflops:F1} GFLOP/s"));
        Console.WriteLine();
        Console.WriteLine("| method | literal images/s | fast images/s | speed-up | max abs diff | rank-1 GFLOP/s | % of matmul | performed GFLOP/s | % of matmul |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in result.Rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Method} | {r.LiteralRate:F1} | {r.FastRate:F1} | {r.FastRate / r.LiteralRate:F1}x | {r.MaxAbsDiff:E1} | {r.UsefulGflops:F1} | {100 * r.UsefulGflops / result.MatmulGflops:F0}% | {r.PerformedGflops:F1} | {100 * r.PerformedGflops / result.MatmulGflops:F0}% |"));
        }

        Console.WriteLine();
        Console.WriteLine("Rank-1 FLOPs: the trained first layer once per image (2·N·784·400), the head once per image,");
        Console.WriteLine("and per non-zero pixel one rank-1 update (2·400) plus one head pass (2·(400·100 + 100·10)).");
        Console.WriteLine("Performed FLOPs: the same, but the 400→100 products only over the units that can be active in each image's rows");
        Console.WriteLine("(the rest are 0 after the ReLU and are left out; a constant 1 per row carries the bias) — what the CPU computed.");
        foreach (var r in result.Rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Method}: the 400→100 products ran over {r.ActiveShare:P0} of the hidden units (with the bias column); {1 - r.ActiveShare:P0} were left out."));
        }
    }

    /// <summary>One row of the method table: a warm-up on a few images, then the best of <paramref name="repeat"/> runs over all of them.</summary>
    private static MethodTiming TimeCase(Fcnn model, Tensor inputs, BenchCase c, int repeat)
    {
        using var rows = inputs.narrow(0, 0, c.Images);
        using (var warm = rows.narrow(0, 0, Math.Min(c.Images, 8)))
        {
            Run(model, warm, c.Method).Dispose();
        }

        var (seconds, map) = Time(() => Run(model, rows, c.Method), repeat);
        map.Dispose();
        return new MethodTiming(c, seconds);
    }

    private static void WriteJson(FastPathResult fastPath, IReadOnlyList<MethodTiming> rows, int images, int literalImages, int threads, int repeat, long seed)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("command", "xwp " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
            w.WriteString("date", DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture));
            w.WriteString("network", "784-400-100-10");
            w.WriteNumber("threads", threads);
            w.WriteNumber("repeat", repeat);
            w.WriteNumber("seed", seed);
            w.WriteStartObject("fast_path");
            w.WriteNumber("images", images);
            w.WriteNumber("literal_images", literalImages);
            w.WriteNumber("nonzero_share", fastPath.NonZeroShare);
            w.WriteNumber("matmul_gflops", fastPath.MatmulGflops);
            w.WriteStartArray("rows");
            foreach (var r in fastPath.Rows)
            {
                w.WriteStartObject();
                w.WriteString("method", r.Method);
                w.WriteNumber("literal_images_per_second", r.LiteralRate);
                w.WriteNumber("fast_images_per_second", r.FastRate);
                w.WriteNumber("max_abs_diff", r.MaxAbsDiff);
                w.WriteNumber("useful_gflops", r.UsefulGflops);
                w.WriteNumber("matmul_share", r.UsefulGflops / fastPath.MatmulGflops);
                w.WriteNumber("performed_gflops", r.PerformedGflops);
                w.WriteNumber("performed_matmul_share", r.PerformedGflops / fastPath.MatmulGflops);
                w.WriteNumber("active_unit_share", r.ActiveShare);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("methods");
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WriteString("key", r.Case.Key);
                w.WriteString("name", r.Case.Name);
                w.WriteString("settings", r.Case.Settings);
                w.WriteNumber("images", r.Case.Images);
                w.WriteNumber("seconds", r.Seconds);
                w.WriteNumber("images_per_second", r.ImagesPerSecond);
                if (r.Case.Peer is { } peer)
                {
                    w.WriteString("peer", peer);
                }
                else
                {
                    w.WriteNull("peer");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    internal static Tensor Run(Fcnn model, Tensor inputs, AttributionMethod method) =>
        model.Explain(inputs).Using(method).Compute();

    /// <summary>The best wall time of <paramref name="repeat"/> runs, and the last run's result (the earlier ones are disposed).</summary>
    internal static (double Seconds, Tensor Result) Time(Func<Tensor> run, int repeat)
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

    /// <summary>
    /// <see cref="UsefulFlops"/> with the 400→100 products replaced by the multiply-adds the active-unit path performed
    /// (<paramref name="products"/> per run; 0 when another path ran, which then did the full products).
    /// </summary>
    private static double PerformedFlops(int[] s, long images, long pairs, double products)
    {
        if (products <= 0)
        {
            return UsefulFlops(s, images, pairs);
        }

        double head = 2.0 * ((s[1] * (double)s[2]) + (s[2] * (double)s[3]));
        return (2.0 * images * s[0] * s[1]) + (images * head) + (pairs * ((2.0 * s[1]) + (2.0 * s[2] * s[3]))) + (2.0 * products);
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
