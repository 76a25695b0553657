using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Xwp.Native;

/// <summary>How TorchSharp's native library came to be loaded.</summary>
internal enum NativeLoadOutcome
{
    /// <summary>Not Linux: nothing to do, TorchSharp loads its library itself.</summary>
    NotNeeded,

    /// <summary><c>libLibTorchSharp.so</c> was not found next to the application; TorchSharp will report what is missing.</summary>
    LibraryNotFound,

    /// <summary>The library loaded as shipped.</summary>
    LoadedAsIs,

    /// <summary>The library needed symbol versions this system lacks; a patched copy was loaded.</summary>
    LoadedPatchedCopy,
}

/// <summary>What <see cref="TorchNativeLoader.Load"/> did.</summary>
/// <param name="Outcome">How the library was loaded.</param>
/// <param name="OriginalPath">The library shipped with the application, when found.</param>
/// <param name="LoadedPath">The file actually loaded (the original or the patched copy).</param>
/// <param name="WeakenedVersions">The version requirements marked weak in the copy.</param>
internal sealed record NativeLoadResult(
    NativeLoadOutcome Outcome,
    string? OriginalPath,
    string? LoadedPath,
    IReadOnlyList<string> WeakenedVersions)
{
    /// <summary>A one-line description for logs and <c>xwp info</c>.</summary>
    public override string ToString() => Outcome switch
    {
        NativeLoadOutcome.NotNeeded => "TorchSharp native library: loaded by TorchSharp (not Linux).",
        NativeLoadOutcome.LibraryNotFound => "TorchSharp native library: libLibTorchSharp.so not found next to the application.",
        NativeLoadOutcome.LoadedAsIs => $"TorchSharp native library: {OriginalPath} (as shipped).",
        _ => $"TorchSharp native library: {LoadedPath}, a copy of {OriginalPath} with {string.Join(", ", WeakenedVersions)} marked weak.",
    };
}

/// <summary>
/// Loads TorchSharp's <c>libLibTorchSharp.so</c> on Linux distributions whose libstdc++ is older
/// than the one it was linked against. When the normal load fails only because a symbol version
/// used by a link-time marker is missing, a copy with that requirement marked weak is written to
/// a per-user cache and loaded instead; glibc then binds TorchSharp's
/// <c>DllImport("LibTorchSharp")</c> to it by its SONAME.
/// </summary>
internal static partial class TorchNativeLoader
{
    /// <summary>The file TorchSharp's P/Invokes resolve to on Linux.</summary>
    internal const string LibraryFileName = "libLibTorchSharp.so";

    /// <summary>The core of libtorch, shipped by every backend package (TorchSharp-cpu, TorchSharp-cuda-*).</summary>
    internal const string BackendFileName = "libtorch_cpu.so";

    private const int MaxPatchRounds = 8;

    /// <summary>Loads the library, patching a copy when needed.</summary>
    /// <param name="cacheDirectory">Where patched copies live; null for the per-user default.</param>
    /// <exception cref="XwpNativeLibraryException">The library cannot be loaded, and why.</exception>
    public static NativeLoadResult Load(string? cacheDirectory = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new NativeLoadResult(NativeLoadOutcome.NotNeeded, null, null, []);
        }

        var original = FindOriginal();
        if (original is null)
        {
            return new NativeLoadResult(NativeLoadOutcome.LibraryNotFound, null, null, []);
        }

        var error = TryLoad(original);
        if (error is null)
        {
            return new NativeLoadResult(NativeLoadOutcome.LoadedAsIs, original, original, []);
        }

        if (MissingBackend(original, SearchDirectories()) is { } noBackend)
        {
            throw new XwpNativeLibraryException(noBackend);
        }

        var missing = MissingVersion(error, original)
            ?? throw new XwpNativeLibraryException($"Loading '{original}' failed: {error}");

        var cache = cacheDirectory ?? DefaultCacheDirectory();
        var copy = CopyPath(original, cache);
        PreloadDependencies(original);

        var weakened = new List<string>();
        for (var round = 0; round < MaxPatchRounds; round++)
        {
            var image = ReadCopyOrOriginal(copy, original);
            if (image.VersionNeeds().Any(n => n.Version == missing && !n.IsWeak))
            {
                WriteAtomically(copy, VersionRequirementPatcher.MakeWeak(image, missing));
            }

            weakened.Add(missing);
            error = TryLoad(copy);
            if (error is null)
            {
                var all = ElfImage.Read(copy).VersionNeeds().Where(n => n.IsWeak).Select(n => n.Version);
                return new NativeLoadResult(NativeLoadOutcome.LoadedPatchedCopy, original, copy, all.Distinct().ToList());
            }

            missing = MissingVersion(error, copy)
                ?? throw new XwpNativeLibraryException(
                    $"Loading '{original}' failed because this system lacks {string.Join(", ", weakened)}; " +
                    $"the patched copy '{copy}' failed too: {error}");
        }

        throw new XwpNativeLibraryException(
            $"Loading '{original}' needs too many symbol versions this system lacks: {string.Join(", ", weakened)}.");
    }

    /// <summary>Finds the shipped <c>libLibTorchSharp.so</c>: the host's native search directories, then the app folder.</summary>
    internal static string? FindOriginal() =>
        SearchDirectories()
            .Select(d => Path.Combine(d, LibraryFileName))
            .FirstOrDefault(File.Exists);

    /// <summary>Where the application's native libraries may be: the host's native search directories, the app folder, its runtimes folders.</summary>
    internal static IReadOnlyList<string> SearchDirectories()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string nativeDirs)
        {
            directories.AddRange(nativeDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        directories.Add(AppContext.BaseDirectory);
        directories.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
        directories.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native"));
        return directories;
    }

    /// <summary>
    /// When libtorch itself (<c>libtorch_cpu.so</c>, which every backend package ships) is neither beside
    /// <paramref name="original"/> nor in any of <paramref name="directories"/>, the message that says
    /// which package the application lacks; null when libtorch is there.
    /// </summary>
    /// <remarks>
    /// The <c>TorchSharp</c> package carries only the bindings (<c>libLibTorchSharp.so</c>); libtorch comes
    /// from <c>TorchSharp-cpu</c> or a CUDA package, which a library such as Xwp leaves to the application.
    /// Without it, glibc's error names only <c>libtorch.so</c>, which does not say what to do.
    /// </remarks>
    internal static string? MissingBackend(string original, IEnumerable<string> directories)
    {
        // The shared .NET runtime's folder is among the host's search directories; it never holds libtorch.
        var runtime = Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());
        var searched = new[] { Path.GetDirectoryName(Path.GetFullPath(original))! }
            .Concat(directories.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Where(Directory.Exists))
            .Where(d => !string.Equals(d, runtime, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (searched.Any(d => File.Exists(Path.Combine(d, BackendFileName))))
        {
            return null;
        }

        var version = typeof(TorchSharp.torch).Assembly.GetName().Version;
        var torchSharp = version is null ? "the TorchSharp version in use" : $"{version.Major}.{version.Minor}.{version.Build}";
        return $"TorchSharp's native backend (libtorch) is missing from this application: '{original}' is there, but " +
               $"{BackendFileName} is in none of {string.Join(", ", searched.Select(d => $"'{d}'"))}. The TorchSharp package " +
               "carries only the .NET bindings; add a backend package of the same version as TorchSharp " +
               $"({torchSharp}) to the application's project: TorchSharp-cpu for CPUs " +
               $"(dotnet add package TorchSharp-cpu --version {torchSharp}), or TorchSharp-cuda-linux / " +
               "TorchSharp-cuda-windows for NVIDIA GPUs.";
    }

    /// <summary>The per-user cache: <c>$XWP_NATIVE_CACHE</c>, else <c>$XDG_CACHE_HOME/xwp/native</c>, else <c>~/.cache/xwp/native</c>.</summary>
    internal static string DefaultCacheDirectory()
    {
        var explicitDir = Environment.GetEnvironmentVariable("XWP_NATIVE_CACHE");
        if (!string.IsNullOrWhiteSpace(explicitDir))
        {
            return explicitDir;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg))
        {
            return Path.Combine(xdg, "xwp", "native");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home)
            ? Path.Combine(Path.GetTempPath(), "xwp-native-" + Environment.UserName)
            : Path.Combine(home, ".cache", "xwp", "native");
    }

    /// <summary>The copy's path: keyed by the original's size and modification time, named like the original.</summary>
    internal static string CopyPath(string original, string cacheDirectory)
    {
        var info = new FileInfo(original);
        var key = $"{info.Length}-{info.LastWriteTimeUtc.Ticks}";
        return Path.Combine(cacheDirectory, key, LibraryFileName);
    }

    /// <summary>Extracts the missing version from a loader error about <paramref name="library"/>, or null for any other error.</summary>
    internal static string? MissingVersion(string error, string library)
    {
        var match = MissingVersionPattern().Match(error);
        if (!match.Success)
        {
            return null;
        }

        var requiredBy = match.Groups["by"].Value;
        return Path.GetFileName(requiredBy) == Path.GetFileName(library) ? match.Groups["version"].Value : null;
    }

    /// <summary>Writes the copy atomically, creating its cache folder.</summary>
    internal static void WriteAtomically(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        IO.AtomicFile.Write(path, bytes);
    }

    private static ElfImage ReadCopyOrOriginal(string copy, string original)
    {
        var source = ElfImage.Read(original);
        if (File.Exists(copy))
        {
            try
            {
                var cached = ElfImage.Read(copy);
                if (IsFaithfulCopy(cached, source))
                {
                    return cached;
                }
            }
            catch (InvalidDataException)
            {
                // Damaged: rebuilt below.
            }

            // A cache entry that is not the original with weak flags added is never loaded.
            File.Delete(copy);
        }

        return source;
    }

    /// <summary>
    /// Whether <paramref name="copy"/> is <paramref name="original"/> byte for byte, except that some
    /// version requirements gained the weak flag. Guards against a damaged or planted cache entry.
    /// </summary>
    internal static bool IsFaithfulCopy(ElfImage copy, ElfImage original)
    {
        var a = copy.Bytes;
        var b = original.Bytes;
        if (a.Length != b.Length)
        {
            return false;
        }

        var flagFields = original.VersionNeeds().ToDictionary(n => n.FlagsOffset);
        var i = 0;
        while (i < a.Length)
        {
            var differs = MismatchAt(a, b, i);
            if (differs < 0)
            {
                return true;
            }

            var field = flagFields.Keys.FirstOrDefault(o => differs >= o && differs < o + 2, -1);
            if (field < 0)
            {
                return false;
            }

            var before = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(field));
            var after = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(a.Slice(field));
            if (after != (before | ElfImage.VersionFlagWeak))
            {
                return false;
            }

            i = field + 2;
        }

        return true;
    }

    private static int MismatchAt(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int start)
    {
        var offset = a.Slice(start).CommonPrefixLength(b.Slice(start));
        return start + offset == a.Length ? -1 : start + offset;
    }

    private static void PreloadDependencies(string original)
    {
        // The copy lives in the cache, so its $ORIGIN run path no longer finds libtorch. Loading the
        // shipped dependencies by full path first lets glibc match the copy's DT_NEEDED entries by SONAME.
        var folder = Path.GetDirectoryName(original)!;
        foreach (var needed in ElfImage.Read(original).Needed)
        {
            var path = Path.Combine(folder, needed);
            if (!File.Exists(path))
            {
                continue;
            }

            var error = TryLoad(path);
            if (error is not null)
            {
                throw new XwpNativeLibraryException($"Loading '{path}', which '{original}' needs, failed: {error}");
            }
        }
    }

    private static string? TryLoad(string path)
    {
        try
        {
            NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
        catch (BadImageFormatException e)
        {
            return e.Message;
        }
    }

    [GeneratedRegex(@"version `(?<version>[^']+)' not found \(required by (?<by>[^)]+)\)")]
    private static partial Regex MissingVersionPattern();
}
