using Xwp.Plotting;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>`xwp explain --checkpoints c0.pt,c1.pt,...`: XWP or XWP^c at every checkpoint after the first, relative to the first.</summary>
internal static class CheckpointSeriesRun
{
    /// <summary>Inputs drawn in the picture.</summary>
    public const int PictureRows = 4;

    public static int Run(ModelArguments modelArgs, string[] checkpoints, string inputsPath, string? targetsPath, string method, AttributionMethod attribution, bool allClasses, string outPath, string? picture)
    {
        if (modelArgs.TorchScript is null || modelArgs.Initial is not null)
        {
            throw new UsageException("--checkpoints goes with --torchscript (any TorchScript file of the architecture) and without --initial: the first checkpoint is the reference.");
        }

        if (method is not ("xwp" or "xwpc"))
        {
            throw new UsageException($"--checkpoints explains with --method xwp or xwpc, not '{method}'.");
        }

        if (allClasses)
        {
            throw new UsageException("--checkpoints and --all-classes do not go together; give --targets or let the last checkpoint's prediction decide.");
        }

        if (checkpoints.Length < 2 || checkpoints.Any(c => c.Length == 0))
        {
            throw new UsageException("--checkpoints takes at least two files separated by commas: the reference, then the later checkpoints.");
        }

        if (picture is not null)
        {
            OutputPaths.CheckFiles(("picture", picture));
        }

        using var model = (TorchScriptModel)modelArgs.Load(series: true);
        using var inputs = ModelArguments.ReadInputs(inputsPath, model);
        using var targets = targetsPath is null ? null : InputFiles.ReadTargets(targetsPath, inputs.shape[0], inputsPath, Xwp.Attribution.ModelOutputs.ClassCount(model, inputs));
        using var maps = CheckpointSeries.Explain(model, checkpoints, inputs, attribution, targets, modelArgs.FirstLayer);
        NpyFile.Write(outPath, maps);
        Console.WriteLine($"Wrote {method} attributions [{string.Join(", ", maps.shape)}] for {checkpoints.Length - 1} checkpoint(s) relative to '{checkpoints[0]}' to {outPath}.");
        if (picture is not null)
        {
            Draw(picture, method == "xwp" ? "XWP" : "XWP^c", checkpoints, inputs, targets, maps);
            Console.WriteLine($"Wrote the picture to {picture}.");
        }

        return 0;
    }

    private static void Draw(string path, string method, string[] checkpoints, Tensor inputs, Tensor? targets, Tensor maps)
    {
        var (height, width) = ImageShape(inputs);
        var rows = (int)Math.Min(PictureRows, inputs.shape[0]);
        var titles = checkpoints.Skip(1).Select(Path.GetFileNameWithoutExtension).Select(n => n ?? "").ToArray();
        var gridRows = new List<HeatmapRow>();
        for (var n = 0; n < rows; n++)
        {
            using var image = inputs[n].reshape(-1).to(float32).cpu();
            var lo = image.min().item<float>();
            var hi = image.max().item<float>();
            using var scaled = hi > lo ? image.sub(lo).div(hi - lo) : image.clamp(0, 1);
            var perCheckpoint = new List<float[]>();
            for (var k = 0; k < titles.Length; k++)
            {
                using var map = maps[k, n].reshape(-1).cpu();
                perCheckpoint.Add(map.data<float>().ToArray());
            }

            var label = targets is null ? $"input {n}" : $"#{n}, class {targets[n].item<long>()}";
            gridRows.Add(new HeatmapRow(scaled.data<float>().ToArray(), perCheckpoint, label));
        }

        HeatmapGrid.SavePng(path, titles, gridRows, new HeatmapGridOptions
        {
            ImageHeight = height,
            ImageWidth = width,
            Title = $"{method} relative to {Path.GetFileNameWithoutExtension(checkpoints[0])}",
        });
    }

    /// <summary>Height and width of an image input: <c>[N, H, W]</c>, <c>[N, 1, H, W]</c>, or <c>[N, D]</c> with D a square.</summary>
    private static (int Height, int Width) ImageShape(Tensor inputs)
    {
        var shape = inputs.shape;
        if (shape.Length == 3)
        {
            return ((int)shape[1], (int)shape[2]);
        }

        if (shape.Length == 4 && shape[1] == 1)
        {
            return ((int)shape[2], (int)shape[3]);
        }

        var d = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var side = (long)Math.Round(Math.Sqrt(d));
        return side * side == d
            ? ((int)side, (int)side)
            : throw new UsageException($"--picture draws images: inputs of shape [{string.Join(", ", shape)}] are not [N, H, W], [N, 1, H, W] or [N, D] with D a square.");
    }
}
