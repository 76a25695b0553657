using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace Xwp.Tests.Native;

/// <summary>A fact that needs Linux: the ELF fixture and glibc's loader exist only there.</summary>
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Needs Linux: libLibTorchSharp.so and glibc's dynamic loader.";
        }
    }
}

/// <summary>A theory that needs Linux.</summary>
internal sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Needs Linux: glibc's environment and GNU OpenMP.";
        }
    }
}

/// <summary>
/// The shipped <c>libLibTorchSharp.so</c> of TorchSharp 0.107, used read-only as the fixture.
/// The facts below were read with <c>readelf -V -d -S --dyn-syms -r</c> and are written here so
/// that the tests do not need readelf.
/// </summary>
internal static class Fixture
{
    /// <summary>The version this library needs from libstdc++ for its one link-time marker.</summary>
    public const string MarkerVersion = "GLIBCXX_3.4.32";

    /// <summary>The marker symbol, the only dynamic symbol bound to <see cref="MarkerVersion"/>.</summary>
    public const string MarkerSymbol = "_ZSt21ios_base_library_initv";

    /// <summary>readelf -V: "0x0140: Name: GLIBCXX_3.4.32 Flags: none Version: 18".</summary>
    public const ushort MarkerVersionIndex = 18;

    /// <summary>.gnu.version_r at 0x3f8f0, the Vernaux entry at +0x140, vna_flags at +4 of it: 0x3f8f0 + 0x140 + 4.</summary>
    public const int MarkerFlagsOffset = 0x3fa34;

    /// <summary>readelf --dyn-syms: "482: ... UND _ZSt21ios_base_library_initv@GLIBCXX_3.4.32 (18)".</summary>
    public const int MarkerSymbolIndex = 482;

    /// <summary>readelf -V: libc.so.6's "GLIBC_2.2.5 ... Version: 3".</summary>
    public const ushort LibcGlibc225Index = 3;

    public static string LibraryPath => Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");

    /// <summary>A fresh copy of the fixture's bytes, safe to modify.</summary>
    public static byte[] ReadBytes() => File.ReadAllBytes(LibraryPath);

    /// <summary>
    /// Whether the libstdc++ this process uses provides <see cref="MarkerVersion"/>: the one
    /// mapped into the process (TorchSharp is loaded by now), else the usual system locations.
    /// A library that defines the version holds its name, NUL-terminated, in .dynstr.
    /// </summary>
    public static bool SystemLibStdCxxProvidesMarkerVersion()
    {
        var path = MappedLibraries().FirstOrDefault(p => Path.GetFileName(p).StartsWith("libstdc++.so.6", StringComparison.Ordinal))
            ?? new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6" }
                .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("No libstdc++.so.6 is mapped into this process or found in the usual places.");
        return File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.ASCII.GetBytes(MarkerVersion + "\0")) >= 0;
    }

    /// <summary>The files mapped into this process, from /proc/self/maps.</summary>
    public static IReadOnlyList<string> MappedLibraries() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/'))
            .Select(fields => fields[5].Trim())
            .Distinct()
            .ToList();
}

/// <summary>
/// Reads and writes the ELF structures the tests tamper with, independently of <c>ElfImage</c>
/// (section headers, .dynsym, .gnu.version, RELA entries), so that tests can build synthetic
/// variants of the fixture.
/// </summary>
internal static class RawElf
{
    public const uint ShtProgbits = 1;
    public const uint ShtRela = 4;
    public const uint ShtDynamic = 6;
    public const uint ShtDynsym = 11;
    public const uint ShtGnuVerneed = 0x6ffffffe;
    public const uint ShtGnuVersym = 0x6fffffff;

    public static IReadOnlyList<SectionHeader> Sections(byte[] b)
    {
        var shoff = (int)U64(b, 40);
        var shnum = U16(b, 60);
        return Enumerable.Range(0, shnum)
            .Select(i => shoff + (64 * i))
            .Select((h, i) => new SectionHeader(i, h, U32(b, h + 4), (int)U64(b, h + 24), (int)U64(b, h + 32), (int)U32(b, h + 40)))
            .ToList();
    }

    public static SectionHeader Section(byte[] b, uint type) => Sections(b).First(s => s.Type == type);

    public static int SymbolCount(byte[] b) => Section(b, ShtDynsym).Size / 24;

    /// <summary>The file offset of a dynamic symbol's 16-bit entry in .gnu.version.</summary>
    public static int VersymOffset(byte[] b, int symbol) => Section(b, ShtGnuVersym).Offset + (2 * symbol);

    public static ushort VersionOf(byte[] b, int symbol) => (ushort)(U16(b, VersymOffset(b, symbol)) & 0x7fff);

    public static int FirstSymbolWithVersion(byte[] b, ushort version) =>
        Enumerable.Range(1, SymbolCount(b) - 1).First(i => VersionOf(b, i) == version);

    public static string SymbolName(byte[] b, int symbol)
    {
        var dynsym = Section(b, ShtDynsym);
        var strtab = Sections(b)[dynsym.Link];
        var start = strtab.Offset + (int)U32(b, dynsym.Offset + (24 * symbol));
        var end = Array.IndexOf(b, (byte)0, start);
        return Encoding.ASCII.GetString(b, start, end - start);
    }

    /// <summary>The file offsets of the RELA entries that refer to a dynamic symbol (symbol index != 0).</summary>
    public static IEnumerable<int> SymbolRelocations(byte[] b)
    {
        var dynsymIndex = Section(b, ShtDynsym).Index;
        foreach (var s in Sections(b).Where(s => s.Type == ShtRela && s.Link == dynsymIndex))
        {
            for (var o = s.Offset; o + 24 <= s.Offset + s.Size; o += 24)
            {
                if (RelocationSymbol(b, o) != 0)
                {
                    yield return o;
                }
            }
        }
    }

    /// <summary>ELF64_R_SYM(r_info): the high 32 bits of r_info, at +8 of a RELA entry.</summary>
    public static int RelocationSymbol(byte[] b, int rela) => (int)U32(b, rela + 12);

    public static void SetRelocationSymbol(byte[] b, int rela, int symbol) => SetU32(b, rela + 12, (uint)symbol);

    public static ushort U16(byte[] b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(o));

    public static uint U32(byte[] b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o));

    public static ulong U64(byte[] b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(o));

    public static void SetU16(byte[] b, int o, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), v);

    public static void SetU32(byte[] b, int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v);

    public static void SetU64(byte[] b, int o, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(o), v);

    /// <param name="Index">The section's index in the section header table.</param>
    /// <param name="HeaderOffset">The file offset of the section's header.</param>
    /// <param name="Type">sh_type.</param>
    /// <param name="Offset">sh_offset.</param>
    /// <param name="Size">sh_size.</param>
    /// <param name="Link">sh_link.</param>
    internal readonly record struct SectionHeader(int Index, int HeaderOffset, uint Type, int Offset, int Size, int Link);
}

/// <summary>A fresh directory under the temporary folder, deleted with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xwp-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>Sets environment variables for the lifetime of the scope and restores the previous values.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];

    public EnvironmentScope Set(string name, string? value)
    {
        if (!_saved.ContainsKey(name))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
        }

        Environment.SetEnvironmentVariable(name, value);
        return this;
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
