using System.Buffers.Binary;

namespace Xwp.Native;

/// <summary>
/// Marks a version requirement of a shared object weak (<c>VER_FLG_WEAK</c>) — but only when no
/// code can depend on it: every symbol bound to that version must be a known link-time marker
/// and no relocation may use it. glibc then loads the object on a system whose library lacks
/// that version, instead of refusing it.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and so
/// needs <c>GLIBCXX_3.4.32</c>, for one symbol: <c>_ZSt21ios_base_library_initv</c>, which GCC 13
/// emits as a marker that iostreams are initialised and which nothing calls.
/// </remarks>
internal static class VersionRequirementPatcher
{
    /// <summary>Symbols that are safe to leave unresolved: link-time markers that carry no code or data.</summary>
    internal static readonly IReadOnlySet<string> MarkerSymbols = new HashSet<string>(StringComparer.Ordinal)
    {
        "_ZSt21ios_base_library_initv",
    };

    /// <summary>
    /// Returns a copy of <paramref name="image"/>'s bytes in which the requirement of
    /// <paramref name="version"/> is weak. Exactly one 16-bit field changes.
    /// </summary>
    /// <exception cref="XwpNativeLibraryException">The image does not need that version, or needs it for real symbols.</exception>
    public static byte[] MakeWeak(ElfImage image, string version)
    {
        var needs = image.VersionNeeds().Where(n => n.Version == version).ToList();
        if (needs.Count == 0)
        {
            throw new XwpNativeLibraryException(
                $"'{image.Name}' does not require symbol version {version}, so marking it weak cannot help.");
        }

        var copy = image.Bytes.ToArray();
        foreach (var need in needs)
        {
            var symbols = image.SymbolsWithVersion(need.Index);
            var real = symbols.Where(s => !MarkerSymbols.Contains(s)).ToList();
            if (real.Count > 0)
            {
                throw new XwpNativeLibraryException(
                    $"'{image.Name}' needs {version} from {need.File}, which this system's {need.File} does not provide, " +
                    $"for {real.Count} real symbol(s): {string.Join(", ", real.Take(8))}{(real.Count > 8 ? ", ..." : "")}. " +
                    $"Install a {need.File} that provides {version} (for libstdc++: GCC 13 or newer).");
            }

            var relocations = image.RelocationsWithVersion(need.Index);
            if (relocations > 0)
            {
                throw new XwpNativeLibraryException(
                    $"'{image.Name}' needs {version} from {need.File} for {string.Join(", ", symbols)}, and {relocations} " +
                    $"relocation(s) use it, so it cannot be left unresolved. Install a {need.File} that provides {version}.");
            }

            BinaryPrimitives.WriteUInt16LittleEndian(
                copy.AsSpan(need.FlagsOffset), (ushort)(need.Flags | ElfImage.VersionFlagWeak));
        }

        return copy;
    }
}
