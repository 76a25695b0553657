using System.Collections;
using System.Globalization;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// Reads a PyTorch <c>state_dict</c> (<c>torch.save(model.state_dict(), path)</c>) of a chain of
/// <c>Linear</c> layers into a snapshot, inferring the layer sizes from the weights.
/// </summary>
internal static class PyTorchStateDict
{
    public static FcnnSnapshot Read(string path, Activation activation, double slope)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"PyTorch state_dict '{path}' does not exist.", path);
        }

        // The unpickler makes intermediate tensors besides the ones it returns; the scope takes them all.
        using var scope = NewDisposeScope();
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Bad(path, $"it cannot be read as a torch.save'd state_dict ({e.GetType().Name}: {e.Message})", e);
        }

        var entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string key || entry.Value is not Tensor value)
                {
                    throw Bad(path, $"entry '{entry.Key}' is not a tensor");
                }

                entries[key] = value;
            }

            return Build(path, entries, activation, slope);
        }
        finally
        {
            foreach (DictionaryEntry entry in table)
            {
                (entry.Value as Tensor)?.Dispose();
            }
        }
    }

    public static void CheckSameArchitecture(FcnnSnapshot initial, FcnnSnapshot trained, string initialPath, string trainedPath)
    {
        var a = Describe(initial);
        var b = Describe(trained);
        if (a != b)
        {
            throw new InvalidDataException(
                $"The two state_dicts describe different networks: '{initialPath}' is {a}, '{trainedPath}' is {b}.");
        }
    }

    private static FcnnSnapshot Build(string path, Dictionary<string, Tensor> entries, Activation activation, double slope)
    {
        var prefixes = entries.Keys
            .Where(k => k.EndsWith(".weight", StringComparison.Ordinal))
            .Select(k => k[..^".weight".Length])
            .OrderBy(p => p, NaturalComparer.Instance)
            .ToList();
        if (prefixes.Count == 0)
        {
            throw Bad(path, "it has no '<layer>.weight' entries");
        }

        var unexpected = entries.Keys.Except(prefixes.SelectMany(p => new[] { p + ".weight", p + ".bias" })).ToList();
        if (unexpected.Count > 0)
        {
            throw Bad(path, $"it has entries that are not Linear weights or biases: {string.Join(", ", unexpected.Take(5))}");
        }

        using var scope = NewDisposeScope();
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        foreach (var prefix in prefixes)
        {
            var w = entries[prefix + ".weight"];
            if (w.dim() != 2)
            {
                throw Bad(path, $"'{prefix}.weight' has shape {InputValidation.Shape(w)}; a Linear weight is [out, in]");
            }

            if (weights.Count > 0 && w.shape[1] != weights[^1].shape[0])
            {
                throw Bad(path, $"'{prefix}.weight' takes {w.shape[1]} inputs but the previous layer gives {weights[^1].shape[0]}");
            }

            if (!entries.TryGetValue(prefix + ".bias", out var b))
            {
                throw Bad(path, $"'{prefix}.bias' is missing (Linear layers without bias are not supported)");
            }

            if (b.dim() != 1 || b.shape[0] != w.shape[0])
            {
                throw Bad(path, $"'{prefix}.bias' has shape {InputValidation.Shape(b)}, expected [{w.shape[0]}]");
            }

            if (!is_floating_point(w) || !is_floating_point(b))
            {
                throw Bad(path, $"'{prefix}' holds {w.dtype} values, not floating point");
            }

            weights.Add(w.to(float32).cpu());
            biases.Add(b.to(float32).cpu());
        }

        if (weights[^1].shape[0] < 2)
        {
            throw Bad(path, "its last layer has fewer than two outputs");
        }

        return FcnnSnapshot.Capture(weights, biases, activation, slope);
    }

    private static string Describe(FcnnSnapshot s) =>
        string.Join("-", new[] { s.Weights[0].shape[1] }.Concat(s.Weights.Select(w => w.shape[0])));

    private static InvalidDataException Bad(string path, string why, Exception? inner = null) =>
        new($"Cannot load PyTorch state_dict '{path}': {why}.", inner);

    /// <summary>Orders "layers.2" before "layers.10": numeric segments compare as numbers.</summary>
    private sealed class NaturalComparer : IComparer<string>
    {
        public static readonly NaturalComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('.');
            var b = (y ?? "").Split('.');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var bothNumbers = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var na)
                    & long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var nb);
                var c = bothNumbers ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
