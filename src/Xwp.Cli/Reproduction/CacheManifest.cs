using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Xwp.Cli.Reproduction;

/// <summary>
/// The record of what a report folder caches (models, maps): for every cached file, the SHA-256 of its
/// content and the settings that made it (method and options, library version, data, seed, epochs, …).
/// A file is reused only when both still match; otherwise <see cref="Check"/> says why, so a file
/// overwritten, corrupted or made with other settings is computed again, and the run says so.
/// Kept in <c>cache-manifest.json</c> in the report folder, rewritten atomically after every change.
/// </summary>
internal sealed class CacheManifest
{
    /// <summary>The manifest's file name in the report folder.</summary>
    public const string FileName = "cache-manifest.json";

    private const int Format = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string _folder;
    private readonly SortedDictionary<string, Entry> _entries;

    /// <summary>
    /// The manifest existed but could not be used: one warning said so and that everything is recomputed, so a file without
    /// an entry needs no warning of its own (it would blame an older version or a stopped run, once per file).
    /// </summary>
    private readonly bool _unreadable;

    private CacheManifest(string folder, SortedDictionary<string, Entry> entries, bool unreadable = false)
    {
        _folder = folder;
        _entries = entries;
        _unreadable = unreadable;
    }

    /// <summary>The version of the Xwp library that computes models and maps (with its commit when the build records one).</summary>
    public static string LibraryVersion { get; } =
        typeof(Fcnn).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Fcnn).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Reads the manifest of <paramref name="folder"/>; an absent one is empty, an unreadable one is reported and treated as empty.</summary>
    public static CacheManifest Load(string folder, Action<string> warn)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return new CacheManifest(folder, new SortedDictionary<string, Entry>(StringComparer.Ordinal));
        }

        try
        {
            var document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path));
            if (document?.Entries is { } entries && document.Format == Format)
            {
                return new CacheManifest(folder, new SortedDictionary<string, Entry>(entries, StringComparer.Ordinal));
            }

            warn($"{FileName}: not a format-{Format} cache manifest — every cached file will be recomputed");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // A JSON error quotes the bad text, line breaks included; the warning stays one line.
            warn($"{FileName}: cannot be read ({e.Message.ReplaceLineEndings(" ").Trim()}) — every cached file will be recomputed");
        }

        return new CacheManifest(folder, new SortedDictionary<string, Entry>(StringComparer.Ordinal), unreadable: true);
    }

    /// <summary>
    /// Whether the cached file at <paramref name="relativePath"/> (relative to the report folder, with '/')
    /// can be reused: it exists, was recorded with exactly <paramref name="madeBy"/>, and its content
    /// still has the recorded SHA-256. Otherwise the reason, or null when there is nothing to say
    /// (neither the file nor a record of it exists: a first run; or the manifest could not be read, which was said once).
    /// </summary>
    public (bool Reusable, string? Reason) Check(string relativePath, IReadOnlyDictionary<string, string> madeBy)
    {
        var path = FullPath(relativePath);
        var recorded = _entries.GetValueOrDefault(relativePath);
        if (!File.Exists(path))
        {
            return (false, recorded is null ? null : "recorded in the cache but missing");
        }

        if (recorded is null)
        {
            return (false, _unreadable ? null : $"not recorded in {FileName} (written by an older version, or the run stopped before recording it)");
        }

        var changed = Differences(recorded.MadeBy, madeBy);
        if (changed.Count > 0)
        {
            return (false, $"made with other settings ({string.Join("; ", changed)})");
        }

        return HashFile(path) == recorded.Sha256
            ? (true, null)
            : (false, "content changed since it was written");
    }

    /// <summary>Records the file now at <paramref name="relativePath"/> as made by <paramref name="madeBy"/>, and saves the manifest.</summary>
    public void Record(string relativePath, IReadOnlyDictionary<string, string> madeBy)
    {
        _entries[relativePath] = new Entry(HashFile(FullPath(relativePath)), new SortedDictionary<string, string>(madeBy.ToDictionary(), StringComparer.Ordinal));
        Save();
    }

    /// <summary>The SHA-256 recorded for a file (checked by <see cref="Check"/> or written by <see cref="Record"/> in this run), or null.</summary>
    public string? RecordedSha256(string relativePath) => _entries.GetValueOrDefault(relativePath)?.Sha256;

    /// <summary>Forgets a file (it is about to be recomputed), and saves the manifest, so a run stopped halfway never trusts it.</summary>
    public void Forget(string relativePath)
    {
        if (_entries.Remove(relativePath))
        {
            Save();
        }
    }

    /// <summary>The SHA-256 of a file's bytes, as upper-case hex.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>The SHA-256 of tensors' shapes, types and element bytes, in order, as upper-case hex: the identity of a data set.</summary>
    public static string HashTensors(params Tensor[] tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tensor in tensors)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{tensor.dtype}[{string.Join(",", tensor.shape)}]"));
            using var cpu = tensor.cpu();
            using var contiguous = cpu.contiguous();
            using var flat = contiguous.view(-1);
            const long chunk = 1 << 20;
            for (long start = 0; start < flat.numel(); start += chunk)
            {
                using var piece = flat.narrow(0, start, Math.Min(chunk, flat.numel() - start));
                hash.AppendData(piece.bytes);
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>
    /// A method's options as their record prints them (every property, e.g. <c>RiseOptions { MaskCount = 4000, … }</c>),
    /// formatted with the invariant culture so the text does not depend on the machine's language.
    /// </summary>
    public static string Describe(object? options)
    {
        if (options is null)
        {
            return "none";
        }

        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            return options.ToString() ?? options.GetType().Name;
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static List<string> Differences(IReadOnlyDictionary<string, string> recorded, IReadOnlyDictionary<string, string> now)
    {
        var changed = new List<string>();
        foreach (var key in recorded.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var before = recorded.GetValueOrDefault(key);
            var after = now.GetValueOrDefault(key);
            if (before != after)
            {
                changed.Add($"{key}: {Short(before)} → {Short(after)}");
            }
        }

        return changed;
    }

    /// <summary>A value short enough for a one-line message: hashes cut to 12 characters, long text shortened in the middle.</summary>
    private static string Short(string? value) => value switch
    {
        null => "(none)",
        { Length: 64 } when value.All(char.IsAsciiHexDigit) => value[..12] + "…",
        { Length: > 160 } => value[..100] + " … " + value[^50..],
        _ => value,
    };

    private string FullPath(string relativePath) => Path.Combine(_folder, relativePath.Replace('/', Path.DirectorySeparatorChar));

    private void Save() =>
        Report.WriteAtomically(Path.Combine(_folder, FileName), JsonSerializer.Serialize(new Document(Format, _entries), Json));

    private sealed record Document(int Format, SortedDictionary<string, Entry>? Entries);

    private sealed record Entry(string Sha256, SortedDictionary<string, string> MadeBy);
}
