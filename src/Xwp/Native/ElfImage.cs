using System.Buffers.Binary;
using System.Text;

namespace Xwp.Native;

/// <summary>
/// A read-only view of a 64-bit little-endian ELF shared object: just enough of its section
/// table, dynamic symbols, symbol versions and relocations to decide whether a version
/// requirement can safely be made weak, and to do it.
/// </summary>
internal sealed class ElfImage
{
    private const uint ShtRela = 4;
    private const uint ShtDynamic = 6;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const long DtNeeded = 1;
    private const long DtSoname = 14;

    /// <summary>The <c>VER_FLG_WEAK</c> flag of a <c>Vernaux</c> entry.</summary>
    internal const ushort VersionFlagWeak = 0x2;

    private readonly byte[] _bytes;
    private readonly Section[] _sections;

    private ElfImage(byte[] bytes, string name)
    {
        _bytes = bytes;
        Name = name;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw Bad("it is not an ELF file (no \\x7fELF magic)");
        }

        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw Bad("only 64-bit little-endian ELF files are supported");
        }

        var shoff = U64(40);
        var shentsize = U16(58);
        var shnum = U16(60);
        // Bounds are checked as "size > length - offset" so that huge offsets cannot wrap around.
        if (shentsize != 64 || shoff == 0 || shoff > (ulong)bytes.Length || (ulong)shnum * 64 > (ulong)bytes.Length - shoff)
        {
            throw Bad("its section header table is missing or lies outside the file");
        }

        _sections = new Section[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var o = (int)shoff + (i * 64);
            var s = new Section(U32(o + 4), U64(o + 24), U64(o + 32), U32(o + 40), U64(o + 56));
            if (s.Type != 8 /* SHT_NOBITS */ && (s.Offset > (ulong)bytes.Length || s.Size > (ulong)bytes.Length - s.Offset))
            {
                throw Bad($"section {i} lies outside the file");
            }

            _sections[i] = s;
        }
    }

    /// <summary>The name used in error messages (usually the file path).</summary>
    public string Name { get; }

    /// <summary>The raw bytes of the image (shared, not copied).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Parses an ELF image held in memory.</summary>
    public static ElfImage Parse(byte[] bytes, string name) => new(bytes, name);

    /// <summary>Reads and parses an ELF file.</summary>
    public static ElfImage Read(string path) => new(File.ReadAllBytes(path), path);

    /// <summary>The <c>DT_SONAME</c> of the object, or null.</summary>
    public string? SoName => DynamicStrings(DtSoname).FirstOrDefault();

    /// <summary>The <c>DT_NEEDED</c> entries, in order.</summary>
    public IReadOnlyList<string> Needed => DynamicStrings(DtNeeded).ToList();

    /// <summary>Every version requirement in <c>.gnu.version_r</c>.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        var sec = FindSection(ShtGnuVerneed);
        if (sec is null)
        {
            return result;
        }

        var strtab = Linked(sec.Value);
        var entry = (long)sec.Value.Offset;
        var end = (long)(sec.Value.Offset + sec.Value.Size);
        for (var guard = 0; guard < 10_000; guard++)
        {
            Check(entry, 16, end);
            var count = U16((int)entry + 2);
            var file = Str(strtab, U32((int)entry + 4));
            var aux = entry + U32((int)entry + 8);
            for (var j = 0; j < count; j++)
            {
                Check(aux, 16, end);
                result.Add(new VersionNeed(
                    file,
                    Str(strtab, U32((int)aux + 8)),
                    U16((int)aux + 4),
                    U16((int)aux + 6),
                    (int)aux + 4));
                var nextAux = U32((int)aux + 12);
                if (nextAux == 0)
                {
                    break;
                }

                aux += nextAux;
            }

            var next = U32((int)entry + 12);
            if (next == 0)
            {
                return result;
            }

            entry += next;
        }

        throw Bad(".gnu.version_r does not terminate");
    }

    /// <summary>The names of the dynamic symbols whose version index is <paramref name="versionIndex"/>.</summary>
    public IReadOnlyList<string> SymbolsWithVersion(ushort versionIndex)
    {
        var (dynsym, versym) = SymbolTables();
        var strtab = Linked(dynsym);
        var count = (int)(dynsym.Size / 24);
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            if ((U16((int)versym.Offset + (2 * i)) & 0x7fff) == versionIndex)
            {
                names.Add(Str(strtab, U32((int)dynsym.Offset + (24 * i))));
            }
        }

        return names;
    }

    /// <summary>How many relocations (REL or RELA, against the dynamic symbol table) use a symbol of that version.</summary>
    public int RelocationsWithVersion(ushort versionIndex)
    {
        var (dynsym, versym) = SymbolTables();
        var dynsymIndex = Array.IndexOf(_sections, dynsym);
        var symbolCount = (int)(dynsym.Size / 24);
        var total = 0;
        foreach (var s in _sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsymIndex)
            {
                continue;
            }

            var size = s.Type == ShtRela ? 24 : 16;
            for (var o = (long)s.Offset; o + size <= (long)(s.Offset + s.Size); o += size)
            {
                var symbol = (int)(U64((int)o + 8) >> 32);
                if (symbol != 0 && symbol < symbolCount &&
                    (U16((int)versym.Offset + (2 * symbol)) & 0x7fff) == versionIndex)
                {
                    total++;
                }
            }
        }

        return total;
    }

    private (Section Dynsym, Section Versym) SymbolTables()
    {
        var dynsym = FindSection(ShtDynsym) ?? throw Bad("it has no .dynsym section");
        var versym = FindSection(ShtGnuVersym) ?? throw Bad("it has no .gnu.version section");
        if (versym.Size / 2 != dynsym.Size / 24)
        {
            throw Bad(".gnu.version and .dynsym disagree on the number of symbols");
        }

        return (dynsym, versym);
    }

    private IEnumerable<string> DynamicStrings(long tag)
    {
        var dyn = FindSection(ShtDynamic);
        if (dyn is null)
        {
            yield break;
        }

        var strtab = Linked(dyn.Value);
        for (var o = (long)dyn.Value.Offset; o + 16 <= (long)(dyn.Value.Offset + dyn.Value.Size); o += 16)
        {
            var t = (long)U64((int)o);
            if (t == 0)
            {
                yield break;
            }

            if (t == tag)
            {
                yield return Str(strtab, (uint)U64((int)o + 8));
            }
        }
    }

    private Section? FindSection(uint type)
    {
        foreach (var s in _sections)
        {
            if (s.Type == type)
            {
                return s;
            }
        }

        return null;
    }

    private Section Linked(Section section) => section.Link < _sections.Length
        ? _sections[section.Link]
        : throw Bad($"a section links to section {section.Link}, which does not exist");

    private string Str(Section strtab, uint offset)
    {
        var start = (long)strtab.Offset + offset;
        if (offset >= strtab.Size)
        {
            throw Bad("a string offset lies outside its string table");
        }

        var end = start;
        var limit = (long)(strtab.Offset + strtab.Size);
        while (end < limit && _bytes[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(_bytes, (int)start, (int)(end - start));
    }

    private void Check(long offset, int length, long end)
    {
        if (offset < 0 || offset + length > end)
        {
            throw Bad(".gnu.version_r has an entry outside its section");
        }
    }

    private ushort U16(int o) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(o));

    private uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(o));

    private ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(o));

    private InvalidDataException Bad(string why) => new($"'{Name}' cannot be read as a shared library: {why}.");

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, ulong EntrySize);
}

/// <summary>One <c>Vernaux</c> entry: a version the object needs from a library.</summary>
/// <param name="File">The library the version is needed from (e.g. <c>libstdc++.so.6</c>).</param>
/// <param name="Version">The version name (e.g. <c>GLIBCXX_3.4.32</c>).</param>
/// <param name="Flags">The entry's flags (<see cref="ElfImage.VersionFlagWeak"/> when weak).</param>
/// <param name="Index">The version index that <c>.gnu.version</c> uses for symbols of this version.</param>
/// <param name="FlagsOffset">The file offset of the 16-bit flags field.</param>
internal readonly record struct VersionNeed(string File, string Version, ushort Flags, ushort Index, int FlagsOffset)
{
    /// <summary>Whether the requirement is already weak.</summary>
    public bool IsWeak => (Flags & ElfImage.VersionFlagWeak) != 0;
}
