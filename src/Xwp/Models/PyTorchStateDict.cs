using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// Reads a PyTorch <c>state_dict</c> (<c>torch.save(model.state_dict(), path)</c>) of a chain of
/// <c>Linear</c> layers into a snapshot, inferring the layer sizes from the weights.
/// </summary>
internal static partial class PyTorchStateDict
{
    public static FcnnSnapshot Read(string path, PyTorchImportOptions options)
    {
        IO.FileKinds.CheckReadable(path, "PyTorch state_dict");

        CheckZipArchive(path);
        if (ArchiveKind(path) == PyTorchArchive.TorchScript)
        {
            // The unpickler would fail on the scripted module's class with an InvalidCastException about ClassDict.
            throw Bad(path, "it is a TorchScript model (torch.jit.script(model).save), not a state_dict; load it with TorchScriptModel.Load " +
                            "(with XwpModel.FromTorchScript for XWP and XWP^c), or save the model's state_dict with torch.save(model.state_dict(), path)");
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

            return Build(path, entries, options);
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

    private static FcnnSnapshot Build(string path, Dictionary<string, Tensor> entries, PyTorchImportOptions options)
    {
        var found = entries.Keys
            .Where(k => k.EndsWith(".weight", StringComparison.Ordinal))
            .Select(k => k[..^".weight".Length])
            .ToList();
        if (found.Count == 0)
        {
            throw Bad(path, "it has no '<layer>.weight' entries");
        }

        var unexpected = entries.Keys.Except(found.SelectMany(p => new[] { p + ".weight", p + ".bias" })).ToList();
        if (unexpected.Count > 0)
        {
            throw Bad(path, $"it has entries that are not Linear weights or biases: {string.Join(", ", unexpected.Take(5))}");
        }

        var prefixes = options.LayerOrder is { } order ? Given(path, order, found) : Infer(path, found, entries);

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

            CheckFinite(path, prefix + ".weight", w);
            CheckFinite(path, prefix + ".bias", b);
            weights.Add(w.to(float32).cpu());
            biases.Add(b.to(float32).cpu());
        }

        if (weights[^1].shape[0] < 2)
        {
            throw Bad(path, "its last layer has fewer than two outputs");
        }

        return FcnnSnapshot.Capture(weights, biases, options.Activation, options.LeakyReLUSlope);
    }

    /// <summary>
    /// What a PyTorch zip archive holds, from its entry names alone: a TorchScript archive
    /// (<c>torch.jit.save</c>) has <c>constants.pkl</c> and the module's source under <c>code/</c>; a
    /// <c>torch.save</c>d object (such as a state_dict) has <c>data.pkl</c> without them.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The kind, or <see cref="PyTorchArchive.Unknown"/> when the file is not such a zip archive or cannot be read.</returns>
    internal static PyTorchArchive ArchiveKind(string path)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            var names = zip.Entries.Select(e => e.FullName).ToList();
            bool Has(Func<string, bool> match) => names.Any(n => n.IndexOf('/') is var slash && slash > 0 && match(n[(slash + 1)..]));
            if (Has(n => n == "constants.pkl" || n.StartsWith("code/", StringComparison.Ordinal)))
            {
                return PyTorchArchive.TorchScript;
            }

            return Has(n => n == "data.pkl") ? PyTorchArchive.Saved : PyTorchArchive.Unknown;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
        {
            return PyTorchArchive.Unknown;
        }
    }

    /// <summary>
    /// <c>torch.save</c> has written a zip archive since PyTorch 1.6; anything else is either the legacy
    /// pickle-only format (which starts with the pickle protocol opcode) or not a PyTorch file at all.
    /// </summary>
    private static void CheckZipArchive(string path)
    {
        Span<byte> head = stackalloc byte[4];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        if (read == 0)
        {
            throw Bad(path, "the file is empty");
        }

        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] is 3 or 5 && head[3] is 4 or 6)
        {
            return;
        }

        throw head[0] == 0x80 && read >= 2 && head[1] is >= 2 and <= 5
            ? Bad(path, "it is in the legacy torch.save format (a bare pickle, written by PyTorch before 1.6 or with " +
                        "_use_new_zipfile_serialization=False), which cannot be read; load it in PyTorch and save it again with torch.save")
            : Bad(path, $"it is not a PyTorch file: torch.save writes a zip archive, and this file starts with the bytes {Convert.ToHexString(head[..read])} instead of a zip header (504B0304)");
    }

    /// <summary>A trained network with NaN or infinite parameters gives NaN everywhere; refuse it by name.</summary>
    private static void CheckFinite(string path, string key, Tensor values)
    {
        if (InputValidation.DescribeNonFinite(values) is { } problem)
        {
            throw Bad(path, $"tensor '{key}' has {problem}");
        }
    }

    /// <summary>The layer order the caller gave, checked against the layers the file holds.</summary>
    private static List<string> Given(string path, IReadOnlyList<string> order, List<string> found)
    {
        var missing = found.Except(order, StringComparer.Ordinal).ToList();
        var unknown = order.Except(found, StringComparer.Ordinal).ToList();
        var repeated = order.GroupBy(p => p, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (missing.Count > 0 || unknown.Count > 0 || repeated.Count > 0)
        {
            var problems = new List<string>();
            if (unknown.Count > 0)
            {
                problems.Add($"it names {string.Join(", ", unknown)}, which the file does not have");
            }

            if (missing.Count > 0)
            {
                problems.Add($"it leaves out {string.Join(", ", missing)}");
            }

            if (repeated.Count > 0)
            {
                problems.Add($"it names {string.Join(", ", repeated)} more than once");
            }

            throw Bad(path, $"the layer order {string.Join(",", order)} does not match its layers {string.Join(", ", found.Order(StringComparer.Ordinal))}: {string.Join("; ", problems)}");
        }

        return [.. order];
    }

    /// <summary>
    /// The order of the layers when the caller gave none: by the numbers in their names when the names
    /// differ only there (<c>0, 2, 4</c>; <c>fc1, fc2</c>), else the one order in which the shapes chain.
    /// </summary>
    private static List<string> Infer(string path, List<string> found, Dictionary<string, Tensor> entries)
    {
        if (found.Count == 1 || found.Select(NumberTemplate).Distinct(StringComparer.Ordinal).Count() == 1)
        {
            return [.. found.Order(NaturalComparer.Instance)];
        }

        // Names such as fc_in, fc_out carry no order; the shapes may (out of one layer = in of the next).
        var shapes = found.ToDictionary(p => p, p => entries[p + ".weight"].shape, StringComparer.Ordinal);
        var chains = new List<List<string>>();
        if (shapes.Values.All(s => s.Length == 2))
        {
            FindChains([], [.. found.Order(StringComparer.Ordinal)], shapes, chains);
        }

        if (chains.Count == 1)
        {
            return chains[0];
        }

        var names = string.Join(", ", found.Order(StringComparer.Ordinal).Select(p => $"{p} {InputValidation.Shape(entries[p + ".weight"])}"));
        var why = chains.Count == 0 ? "no order of their shapes chains" : $"{chains.Count} orders of their shapes chain";
        throw Bad(path,
            $"these layers cannot be ordered: {names} (their names differ in more than a number, and {why}); " +
            "name them in order (nn.Sequential's 0, 2, 4 or fc1, fc2, fc3) or pass the order (--layer-order in the xwp command, " +
            "PyTorchImportOptions.LayerOrder in the API)");
    }

    /// <summary>Depth-first search for orders in which each weight's inputs equal the previous weight's outputs; stops at two.</summary>
    private static void FindChains(List<string> chain, List<string> rest, Dictionary<string, long[]> shapes, List<List<string>> chains)
    {
        if (chains.Count > 1)
        {
            return;
        }

        if (rest.Count == 0)
        {
            chains.Add([.. chain]);
            return;
        }

        foreach (var next in rest.ToList())
        {
            if (chain.Count > 0 && shapes[next][1] != shapes[chain[^1]][0])
            {
                continue;
            }

            chain.Add(next);
            rest.Remove(next);
            FindChains(chain, rest, shapes, chains);
            rest.Add(next);
            chain.RemoveAt(chain.Count - 1);
        }
    }

    /// <summary>The name with every run of digits replaced by '#': names that differ only in numbers share it.</summary>
    private static string NumberTemplate(string name) => NumberRuns().Replace(name, "#");

    private static string Describe(FcnnSnapshot s) =>
        string.Join("-", new[] { s.Weights[0].shape[1] }.Concat(s.Weights.Select(w => w.shape[0])));

    private static InvalidDataException Bad(string path, string why, Exception? inner = null) =>
        new($"Cannot load PyTorch state_dict '{path}': {why}.", inner);

    [GeneratedRegex("[0-9]+")]
    private static partial Regex NumberRuns();

    /// <summary>Orders "layers.2" before "layers.10" and "fc2" before "fc10": runs of digits compare as numbers.</summary>
    private sealed class NaturalComparer : IComparer<string>
    {
        public static readonly NaturalComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = Tokens(x ?? "");
            var b = Tokens(y ?? "");
            for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
            {
                var bothNumbers = a[i].Length > 0 && char.IsAsciiDigit(a[i][0]) && b[i].Length > 0 && char.IsAsciiDigit(b[i][0]);
                var c = bothNumbers
                    ? System.Numerics.BigInteger.Parse(a[i], CultureInfo.InvariantCulture).CompareTo(System.Numerics.BigInteger.Parse(b[i], CultureInfo.InvariantCulture))
                    : string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Count.CompareTo(b.Count);
        }

        /// <summary>Alternating runs of digits and of other characters.</summary>
        private static List<string> Tokens(string s)
        {
            var tokens = new List<string>();
            var start = 0;
            for (var i = 1; i <= s.Length; i++)
            {
                if (i == s.Length || char.IsAsciiDigit(s[i]) != char.IsAsciiDigit(s[i - 1]))
                {
                    tokens.Add(s[start..i]);
                    start = i;
                }
            }

            return tokens;
        }
    }
}

/// <summary>What a PyTorch zip archive holds (<see cref="PyTorchStateDict.ArchiveKind"/>).</summary>
internal enum PyTorchArchive
{
    /// <summary>Not a PyTorch zip archive, or one that could not be read.</summary>
    Unknown,

    /// <summary>An object written by <c>torch.save</c>, such as a state_dict.</summary>
    Saved,

    /// <summary>A TorchScript module written by <c>torch.jit.save</c> / <c>ScriptModule.save</c>.</summary>
    TorchScript,
}
