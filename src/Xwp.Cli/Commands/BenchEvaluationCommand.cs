using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench-eval`: Deletion AUC on a 784-400-100-10 network with Fashion-MNIST-like inputs (about
/// half the pixels zero) — the incremental first layer against fully masked inputs, in one run with
/// an explicit thread count.
/// </summary>
internal sealed class BenchEvaluationCommand : ICommand
{
    public string Name => "bench-eval";

    public string Summary => "Benchmark Deletion AUC (incremental vs masked) in images/s.";

    public string Usage => """
        Usage: xwp bench-eval [--images 1000] [--steps 100] [--threads 2] [--repeat 3] [--batch-size 128] [--budget-mb 64] [--seed 0]

          --images      images scored (random maps; the ranking does not change the cost)
          --steps       Deletion steps: 1/steps of the features per step, rounded half up per step (101 forward passes for 100)
          --threads     torch intra-op threads, set explicitly so runs compare
          --repeat      timed repetitions; the best is reported
        """;

    public int Run(Arguments args)
    {
        var images = args.Int("images", 1000, min: 1);
        var steps = args.Int("steps", 100, min: 1);
        var threads = args.Threads(Math.Min(2, XwpRuntime.MaxThreads));
        var repeat = args.Int("repeat", 3, min: 1);
        var batchSize = args.Int("batch-size", EvaluationMetric.DefaultBatchSize, min: 1);
        var budget = args.Long("budget-mb", CurveMetricOptions.DefaultMemoryBudgetBytes >> 20, min: 1, max: long.MaxValue >> 20) << 20;
        var seed = args.Long("seed", 0);
        args.RejectUnknown();

        XwpRuntime.Threads = threads;
        int[] sizes = [784, 400, 100, 10];
        using var model = BenchFixtures.PerturbedModel(sizes, seed);
        using var scope = NewDisposeScope();
        var inputs = BenchFixtures.FashionLikeInputs(images, sizes[0], seed);
        using var g = new Generator((ulong)seed + 3);
        var maps = randn([images, sizes[0]], generator: g);
        var targets = model.Predict(inputs);

        Console.WriteLine($"# xwp bench-eval — Deletion AUC, 784-400-100-10, {images} images, {threads} thread(s), batch {batchSize}, best of {repeat}");
        Console.WriteLine();
        Console.WriteLine("| algorithm | steps | forward rows | images/s | rows/s | mean AUC |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        MetricResult? reference = null;
        foreach (var algorithm in new[] { CurveAlgorithm.Incremental, CurveAlgorithm.Masked })
        {
            var metric = Metrics.DeletionAuc(new CurveMetricOptions
            {
                StepFraction = 1.0 / steps,
                Algorithm = algorithm,
                MemoryBudgetBytes = budget,
            });
            using (var warm = inputs.narrow(0, 0, Math.Min(images, 8)))
            using (var warmMaps = maps.narrow(0, 0, warm.shape[0]))
            using (var warmTargets = targets.narrow(0, 0, warm.shape[0]))
            {
                metric.Score(model, warm, warmTargets, warmMaps, batchSize);
            }

            MetricResult? result = null;
            var best = double.MaxValue;
            for (var r = 0; r < repeat; r++)
            {
                var watch = Stopwatch.StartNew();
                result = metric.Score(model, inputs, targets, maps, batchSize);
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }

            var stepsRun = int.Parse(result!.Settings["steps"], CultureInfo.InvariantCulture);
            var rows = (double)images * (stepsRun + 1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {algorithm} | {stepsRun} | {rows:F0} | {images / best:F0} | {rows / best:F0} | {result.Mean:F4} |"));
            reference ??= result;
            if (!ReferenceEquals(reference, result))
            {
                var diff = reference.Values.Zip(result.Values).Max(p => Math.Abs(p.First - p.Second));
                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Largest AUC difference between the algorithms: {diff:E1}"));
            }
        }

        return 0;
    }
}
