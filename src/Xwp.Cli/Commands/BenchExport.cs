using System.Text.Json;
using TorchSharp.PyBridge;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench --export DIR`: everything `bench/peers/` needs to run PyTorch and Captum on the same
/// work as `xwp bench` — the network as two PyTorch state_dicts, the inputs and targets as .npy,
/// Xwp's maps of the first images for the methods without randomness, and a manifest with every
/// method's settings.
/// </summary>
internal static class BenchExport
{
    /// <summary>The manifest's name inside the export folder.</summary>
    public const string ManifestName = "manifest.json";

    public static void Write(string folder, Fcnn model, Tensor inputs, IReadOnlyList<BenchCase> cases, int compareImages, int threads, long seed)
    {
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "maps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the export folder '{folder}': {e.Message}", e);
        }

        SaveStateDict(model.Initial, Path.Combine(folder, "initial.pt"));
        SaveStateDict(model.Trained, Path.Combine(folder, "trained.pt"));
        using var targets = model.Predict(inputs);
        NpyFile.Write(Path.Combine(folder, "inputs.npy"), inputs);
        NpyFile.Write(Path.Combine(folder, "targets.npy"), targets);

        var methods = new List<Dictionary<string, object?>>();
        foreach (var c in cases.Where(c => c.Peer is not null))
        {
            string? mapFile = null;
            var compared = Math.Min(compareImages, c.Images);
            if (c.Deterministic)
            {
                mapFile = $"maps/{c.Key}.npy";
                using var rows = inputs.narrow(0, 0, compared);
                using var map = BenchCommand.Run(model, rows, c.Method);
                NpyFile.Write(Path.Combine(folder, mapFile), map);
            }

            methods.Add(ManifestEntry(c, mapFile, compared));
        }

        var manifest = new Dictionary<string, object?>
        {
            ["network"] = model.LayerSizes,
            ["activation"] = model.Activation.ToString().ToLowerInvariant(),
            ["state_dict_layout"] = "nn.Sequential(Linear, ReLU, ..., Linear): keys 0.weight, 0.bias, 2.weight, ...",
            ["threads"] = threads,
            ["seed"] = seed,
            ["images"] = inputs.shape[0],
            ["methods"] = methods,
        };
        File.WriteAllText(Path.Combine(folder, ManifestName), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Writes a snapshot as <c>torch.save(nn.Sequential(...).state_dict())</c> would (Linear layers at even indexes).</summary>
    private static void SaveStateDict(FcnnSnapshot snapshot, string path)
    {
        var dict = new Dictionary<string, Tensor>();
        for (var i = 0; i < snapshot.Weights.Count; i++)
        {
            dict[$"{2 * i}.weight"] = snapshot.Weights[i];
            dict[$"{2 * i}.bias"] = snapshot.Biases[i];
        }

        PyTorchPickler.PickleStateDict(path, dict);
    }

    /// <summary>One method's entry in manifest.json (bench/peers/peers.py reads these keys); <paramref name="mapImages"/> counts only when a map was written.</summary>
    internal static Dictionary<string, object?> ManifestEntry(BenchCase c, string? mapFile, long mapImages) => new()
    {
        ["key"] = c.Key,
        ["name"] = c.Name,
        ["settings"] = c.Settings,
        ["peer"] = c.Peer,
        ["images"] = c.Images,
        ["deterministic"] = c.Deterministic,
        ["map"] = mapFile,
        ["map_images"] = mapFile is null ? 0 : mapImages,
        ["parameters"] = c.Parameters,
    };
}
