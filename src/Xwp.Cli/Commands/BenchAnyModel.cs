using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench --torchscript model.pt --inputs X.npy`: images per second of the generic Occlusion, KernelSHAP
/// and Integrated Gradients on a scripted model, with the settings of the method table of `xwp bench` (window
/// 4×4 stride 2; 4×4 superpixels of a 28×28 image with 500 coalitions; 50 Gauss–Legendre steps; softmax
/// probabilities of the predicted class, baseline 0). <c>--export DIR</c> writes the inputs, the targets,
/// Xwp's maps and a manifest for <c>bench/peers/peers.py</c>, which times Captum on the same files;
/// <c>--json</c> prints the timings for <c>bench/peers/table.py</c>.
/// </summary>
internal static class BenchAnyModel
{
    /// <summary>The rows, in table order.</summary>
    private static readonly string[] Keys = ["occlusion", "kernelshap", "ig"];

    /// <summary>Images per call for KernelSHAP by default (it costs 500 forward rows per image).</summary>
    private const int KernelShapImages = 8;

    public static int Run(string modelPath, string inputsPath, int threads, int repeat, bool json, string? export, (int? All, Dictionary<string, int> Rows) methodImages)
    {
        XwpRuntime.Threads = threads;
        using var model = TorchScriptModel.Load(modelPath);
        using var inputs = ModelArguments.ReadBatch(inputsPath, "inputs");
        if (inputs.dim() != 4 || inputs.shape[1] != 1 || inputs.shape[2] != 28 || inputs.shape[3] != 28)
        {
            throw new UsageException(
                $"--inputs '{inputsPath}' has shape [{string.Join(", ", inputs.shape)}]; the bench's settings (4×4 windows and superpixels of a 28×28 image) need [N, 1, 28, 28].");
        }

        var cases = Cases((int)inputs.shape[0], inputsPath, methodImages);
        if (export is not null)
        {
            Export(export, modelPath, model, inputs, cases, threads);
            Console.WriteLine($"Wrote {inputs.shape[0]} inputs and targets, {cases.Count(c => c.Deterministic)} maps and manifest.json to {export}.");
            return 0;
        }

        if (!json)
        {
            Console.WriteLine($"# xwp bench — {Path.GetFileName(modelPath)}, inputs [{string.Join(", ", inputs.shape)}], {threads} thread(s), best of {repeat}");
            Console.WriteLine();
            Console.WriteLine("| Xwp (generic path) | settings | images | images/s |");
            Console.WriteLine("|---|---|---:|---:|");
        }

        var rows = new List<(BenchCase Case, double Seconds)>();
        foreach (var c in cases)
        {
            using var x = inputs.narrow(0, 0, c.Images);
            using (var warm = x.narrow(0, 0, Math.Min(c.Images, KernelShapImages)))
            {
                model.Explain(warm).Using(c.Method).Compute().Dispose();
            }

            var (seconds, map) = BenchCommand.Time(() => model.Explain(x).Using(c.Method).Compute(), repeat);
            map.Dispose();
            rows.Add((c, seconds));
            if (!json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Name} | {c.Settings} | {c.Images} | {c.Images / seconds:F1} |"));
            }
        }

        if (json)
        {
            WriteJson(modelPath, inputs.shape, rows, threads, repeat);
        }

        return 0;
    }

    /// <summary>
    /// The Occlusion, KernelSHAP and IG rows of the MLP table (same options, same peer parameters), on all the
    /// inputs (KernelSHAP on the first 8) unless <c>--method-images</c> says otherwise.
    /// </summary>
    private static List<BenchCase> Cases(int available, string inputsPath, (int? All, Dictionary<string, int> Rows) methodImages)
    {
        var unknown = methodImages.Rows.Keys.Where(k => !Keys.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"--method-images: unknown key(s) {string.Join(", ", unknown)} for --torchscript; known: {string.Join(", ", Keys)}.");
        }

        if (methodImages.All == 0)
        {
            throw new UsageException("--method-images 0 leaves nothing to time with --torchscript.");
        }

        var all = BenchCase.All(1).ToDictionary(c => c.Key);
        var cases = new List<BenchCase>();
        foreach (var key in Keys)
        {
            var images = methodImages.All ?? (methodImages.Rows.TryGetValue(key, out var n) ? n : key == "kernelshap" ? Math.Min(KernelShapImages, available) : available);
            if (images > available)
            {
                throw new UsageException($"--method-images: {key} asks for {images} images per call, but '{inputsPath}' holds {available}.");
            }

            cases.Add(all[key] with { Images = images });
        }

        return cases;
    }

    /// <summary>
    /// Writes inputs.npy, targets.npy (the predicted class), Xwp's maps of every input for the methods without
    /// randomness (maps/KEY.npy, shaped as the inputs) and manifest.json (the model's path and every method's
    /// settings) for <c>bench/peers/peers.py</c>.
    /// </summary>
    private static void Export(string folder, string modelPath, TorchScriptModel model, Tensor inputs, IReadOnlyList<BenchCase> cases, int threads)
    {
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "maps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the export folder '{folder}': {e.Message}", e);
        }

        Tensor targets;
        using (model.BeginExplaining())
        using (no_grad())
        using (var logits = model.Forward(inputs))
        {
            targets = logits.argmax(1);
        }

        using (targets)
        {
            NpyFile.Write(Path.Combine(folder, "inputs.npy"), inputs);
            NpyFile.Write(Path.Combine(folder, "targets.npy"), targets);
            var methods = new List<Dictionary<string, object?>>();
            foreach (var c in cases)
            {
                string? mapFile = null;
                if (c.Deterministic)
                {
                    mapFile = $"maps/{c.Key}.npy";
                    using var map = model.Explain(inputs).For(targets).Using(c.Method).Compute();
                    NpyFile.Write(Path.Combine(folder, mapFile), map);
                }

                methods.Add(BenchExport.ManifestEntry(c, mapFile, inputs.shape[0]));
            }

            var manifest = new Dictionary<string, object?>
            {
                ["format"] = "torchscript",
                ["model"] = Path.GetFullPath(modelPath),
                ["network"] = Network(modelPath, inputs.shape),
                ["input_shape"] = inputs.shape.Skip(1).ToArray(),
                ["threads"] = threads,
                ["images"] = inputs.shape[0],
                ["methods"] = methods,
            };
            File.WriteAllText(Path.Combine(folder, BenchExport.ManifestName), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    private static string Network(string modelPath, long[] shape) =>
        $"{Path.GetFileName(modelPath)} (TorchScript), inputs [{string.Join(", ", shape)}]";

    private static void WriteJson(string modelPath, long[] shape, IReadOnlyList<(BenchCase Case, double Seconds)> rows, int threads, int repeat)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("command", "xwp " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
            w.WriteString("date", DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture));
            w.WriteString("network", Network(modelPath, shape));
            w.WriteNumber("threads", threads);
            w.WriteNumber("repeat", repeat);
            w.WriteStartArray("methods");
            foreach (var (c, seconds) in rows)
            {
                w.WriteStartObject();
                w.WriteString("key", c.Key);
                w.WriteString("name", c.Name);
                w.WriteString("settings", c.Settings);
                w.WriteNumber("images", c.Images);
                w.WriteNumber("seconds", seconds);
                w.WriteNumber("images_per_second", c.Images / seconds);
                w.WriteString("peer", c.Peer);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
