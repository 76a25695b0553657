using FluentAssertions;
using Xunit;
using Xwp.Native;

namespace Xwp.Tests.Native;

public class ElfImageTests
{
    private const string Name = "/fixture/libTest.so";

    // ---- The real library -------------------------------------------------------------------

    [LinuxFact]
    public void SoName_of_the_shipped_library_is_libLibTorchSharp()
    {
        ElfImage.Read(Fixture.LibraryPath).SoName.Should().Be("libLibTorchSharp.so");
    }

    [LinuxFact]
    public void Needed_lists_the_DT_NEEDED_entries_in_file_order()
    {
        // readelf -d: eight (NEEDED) entries, in this order.
        ElfImage.Read(Fixture.LibraryPath).Needed.Should().Equal(
            "libtorch.so", "libc10.so", "libtorch_cpu.so", "libstdc++.so.6",
            "libm.so.6", "libgcc_s.so.1", "libc.so.6", "ld-linux-x86-64.so.2");
    }

    [LinuxFact]
    public void Read_names_the_image_by_its_path_and_shares_the_file_bytes()
    {
        var image = ElfImage.Read(Fixture.LibraryPath);

        image.Name.Should().Be(Fixture.LibraryPath);
        image.Bytes.SequenceEqual(Fixture.ReadBytes()).Should().BeTrue();
    }

    [LinuxFact]
    public void VersionNeeds_lists_every_Vernaux_entry_of_the_real_library()
    {
        var needs = ElfImage.Read(Fixture.LibraryPath).VersionNeeds();

        // readelf -V: ld-linux 1 + libm 1 + libgcc_s 1 + libc 5 + libstdc++ 20 = 28 entries,
        // with version indices 2..29, none weak.
        needs.Should().HaveCount(28);
        needs.Select(n => (int)n.Index).Should().BeEquivalentTo(Enumerable.Range(2, 28));
        needs.Should().OnlyContain(n => n.Flags == 0 && !n.IsWeak);
        needs.Count(n => n.File == "libstdc++.so.6").Should().Be(20);
        needs.Where(n => n.File == "libc.so.6").Select(n => n.Version).Should().Equal(
            "GLIBC_2.14", "GLIBC_2.34", "GLIBC_2.32", "GLIBC_2.4", "GLIBC_2.2.5");
        needs.Should().ContainSingle(n => n.File == "ld-linux-x86-64.so.2")
            .Which.Should().Be(new VersionNeed("ld-linux-x86-64.so.2", "GLIBC_2.3", 0, 28, 0x3f8f0 + 0x10 + 4));
    }

    [LinuxFact]
    public void VersionNeeds_finds_GLIBCXX_3_4_32_from_libstdcxx_not_weak_with_its_flags_offset()
    {
        var need = ElfImage.Read(Fixture.LibraryPath).VersionNeeds()
            .Should().ContainSingle(n => n.Version == Fixture.MarkerVersion).Subject;

        need.Should().Be(new VersionNeed("libstdc++.so.6", Fixture.MarkerVersion, 0, Fixture.MarkerVersionIndex, Fixture.MarkerFlagsOffset));
        need.IsWeak.Should().BeFalse();
    }

    [LinuxFact]
    public void FlagsOffset_points_at_vna_flags_followed_by_vna_other_in_every_entry()
    {
        // Elf64_Vernaux: vna_hash (4), vna_flags (2), vna_other (2) = the version index, ...
        var bytes = Fixture.ReadBytes();
        foreach (var need in ElfImage.Parse(bytes, Name).VersionNeeds())
        {
            RawElf.U16(bytes, need.FlagsOffset).Should().Be(need.Flags, need.Version);
            RawElf.U16(bytes, need.FlagsOffset + 2).Should().Be(need.Index, need.Version);
        }
    }

    [LinuxFact]
    public void SymbolsWithVersion_of_GLIBCXX_3_4_32_is_exactly_the_marker()
    {
        ElfImage.Read(Fixture.LibraryPath).SymbolsWithVersion(Fixture.MarkerVersionIndex)
            .Should().Equal(Fixture.MarkerSymbol);
    }

    [LinuxFact]
    public void SymbolsWithVersion_of_GLIBC_2_2_5_lists_libc_functions()
    {
        // readelf --dyn-syms: 13 symbols carry version index 3 (libc's GLIBC_2.2.5).
        var symbols = ElfImage.Read(Fixture.LibraryPath).SymbolsWithVersion(Fixture.LibcGlibc225Index);

        symbols.Should().HaveCount(13);
        symbols.Should().Contain(["strdup", "memmove", "strlen", "free", "pthread_mutex_lock"]);
        symbols.Should().NotContain(Fixture.MarkerSymbol);
    }

    [LinuxFact]
    public void SymbolsWithVersion_of_an_unused_index_is_empty()
    {
        ElfImage.Read(Fixture.LibraryPath).SymbolsWithVersion(0x7000).Should().BeEmpty();
    }

    [LinuxFact]
    public void RelocationsWithVersion_is_zero_for_the_marker_and_counts_libc_relocations()
    {
        var image = ElfImage.Read(Fixture.LibraryPath);

        image.RelocationsWithVersion(Fixture.MarkerVersionIndex).Should().Be(0);
        // readelf -r shows 17 relocations against "@GLIBC_2.2.5" symbols: 13 from libc.so.6's
        // GLIBC_2.2.5 (index 3) and 4 from libm.so.6's (index 22).
        image.RelocationsWithVersion(Fixture.LibcGlibc225Index).Should().Be(13);
        image.RelocationsWithVersion(22).Should().Be(4);
    }

    [LinuxFact]
    public void RelocationsWithVersion_counts_a_relocation_moved_onto_the_marker()
    {
        var bytes = Fixture.ReadBytes();
        var rela = RawElf.SymbolRelocations(bytes).First();
        var oldVersion = RawElf.VersionOf(bytes, RawElf.RelocationSymbol(bytes, rela));
        var before = ElfImage.Parse(bytes.ToArray(), Name).RelocationsWithVersion(oldVersion);

        RawElf.SetRelocationSymbol(bytes, rela, Fixture.MarkerSymbolIndex);
        var image = ElfImage.Parse(bytes, Name);

        image.RelocationsWithVersion(Fixture.MarkerVersionIndex).Should().Be(1);
        image.RelocationsWithVersion(oldVersion).Should().Be(before - 1);
    }

    // ---- Missing pieces ---------------------------------------------------------------------

    [LinuxFact]
    public void Without_gnu_version_r_VersionNeeds_is_empty()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtGnuVerneed).HeaderOffset + 4, RawElf.ShtProgbits);

        ElfImage.Parse(bytes, Name).VersionNeeds().Should().BeEmpty();
    }

    [LinuxFact]
    public void Without_a_dynamic_section_there_is_no_SONAME_and_nothing_needed()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtDynamic).HeaderOffset + 4, RawElf.ShtProgbits);
        var image = ElfImage.Parse(bytes, Name);

        image.SoName.Should().BeNull();
        image.Needed.Should().BeEmpty();
    }

    [LinuxFact]
    public void Without_gnu_version_symbol_queries_throw_naming_the_file()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtGnuVersym).HeaderOffset + 4, RawElf.ShtProgbits);
        var image = ElfImage.Parse(bytes, Name);

        image.Invoking(i => i.SymbolsWithVersion(2)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}'*no .gnu.version section*");
        image.Invoking(i => i.RelocationsWithVersion(2)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}'*no .gnu.version section*");
    }

    // ---- Bad input --------------------------------------------------------------------------

    [Fact]
    public void Parse_rejects_an_empty_file()
    {
        var act = () => ElfImage.Parse([], Name);

        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' cannot be read as a shared library: it is not an ELF file*");
    }

    [Fact]
    public void Parse_rejects_a_file_that_is_not_ELF()
    {
        var text = System.Text.Encoding.ASCII.GetBytes(new string('x', 200));

        var act = () => ElfImage.Parse(text, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*not an ELF file (no \\x7fELF magic)*");
    }

    [Fact]
    public void Parse_rejects_a_magic_shorter_than_an_ELF_header()
    {
        var act = () => ElfImage.Parse([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1], Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*not an ELF file*");
    }

    [LinuxFact]
    public void Parse_rejects_32_bit_ELF()
    {
        var bytes = Fixture.ReadBytes();
        bytes[4] = 1; // EI_CLASS = ELFCLASS32

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*only 64-bit little-endian*");
    }

    [LinuxFact]
    public void Parse_rejects_big_endian_ELF()
    {
        var bytes = Fixture.ReadBytes();
        bytes[5] = 2; // EI_DATA = ELFDATA2MSB

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*only 64-bit little-endian*");
    }

    [LinuxFact]
    public void Parse_rejects_a_file_truncated_before_its_section_table()
    {
        var bytes = Fixture.ReadBytes();
        var truncated = bytes.AsSpan(0, bytes.Length / 2).ToArray();

        var act = () => ElfImage.Parse(truncated, Name);

        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}'*section header table is missing or lies outside the file*");
    }

    [LinuxFact]
    public void Read_of_a_truncated_file_names_its_path()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "libTruncated.so");
        File.WriteAllBytes(path, Fixture.ReadBytes().AsSpan(0, 4096).ToArray());

        var act = () => ElfImage.Read(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' cannot be read as a shared library*");
    }

    [LinuxFact]
    public void Parse_rejects_a_file_cut_in_the_middle_of_its_section_table()
    {
        var bytes = Fixture.ReadBytes();
        var shoff = (int)RawElf.U64(bytes, 40);
        var cut = bytes.AsSpan(0, shoff + (64 * 3) + 10).ToArray();

        var act = () => ElfImage.Parse(cut, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*section header table*");
    }

    [LinuxFact]
    public void Parse_rejects_a_file_without_a_section_table()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU64(bytes, 40, 0); // e_shoff

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*section header table*");
    }

    [LinuxFact]
    public void Parse_rejects_an_unexpected_section_header_size()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU16(bytes, 58, 40); // e_shentsize

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*section header table*");
    }

    [LinuxFact]
    public void Parse_rejects_a_section_offset_so_large_that_the_bounds_check_would_wrap()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU64(bytes, 40, ulong.MaxValue - 63); // e_shoff + 1 * 64 wraps to 0

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*section header table*");
    }

    [LinuxFact]
    public void Parse_rejects_a_section_that_lies_outside_the_file()
    {
        var bytes = Fixture.ReadBytes();
        var dynsym = RawElf.Section(bytes, RawElf.ShtDynsym);
        RawElf.SetU64(bytes, dynsym.HeaderOffset + 32, (ulong)bytes.Length); // sh_size

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*section {dynsym.Index} lies outside the file*");
    }

    [LinuxFact]
    public void Parse_rejects_a_section_whose_offset_plus_size_would_wrap()
    {
        var bytes = Fixture.ReadBytes();
        var dynsym = RawElf.Section(bytes, RawElf.ShtDynsym);
        RawElf.SetU64(bytes, dynsym.HeaderOffset + 32, ulong.MaxValue - (ulong)dynsym.Offset + 1); // offset + size wraps to 0

        var act = () => ElfImage.Parse(bytes, Name);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*section {dynsym.Index} lies outside the file*");
    }

    [LinuxFact]
    public void A_section_link_outside_the_section_table_is_reported_as_bad_data()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtGnuVerneed).HeaderOffset + 40, 0xffff); // sh_link
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtDynsym).HeaderOffset + 40, 0xffff);
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtDynamic).HeaderOffset + 40, 0xffff);
        var image = ElfImage.Parse(bytes, Name);

        image.Invoking(i => i.VersionNeeds()).Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*links to section 65535, which does not exist*");
        image.Invoking(i => i.SymbolsWithVersion(2)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*links to section 65535, which does not exist*");
        image.Invoking(i => _ = i.SoName).Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*links to section 65535, which does not exist*");
    }

    [LinuxFact]
    public void VersionNeeds_rejects_an_entry_chain_that_leaves_its_section()
    {
        var bytes = Fixture.ReadBytes();
        var verneed = RawElf.Section(bytes, RawElf.ShtGnuVerneed);
        RawElf.SetU32(bytes, verneed.Offset + 12, 0x10000); // the first Verneed's vn_next

        var act = () => ElfImage.Parse(bytes, Name).VersionNeeds();

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*.gnu.version_r has an entry outside its section*");
    }

    [LinuxFact]
    public void VersionNeeds_rejects_a_name_outside_the_string_table()
    {
        var bytes = Fixture.ReadBytes();
        var verneed = RawElf.Section(bytes, RawElf.ShtGnuVerneed);
        RawElf.SetU32(bytes, verneed.Offset + 16 + 8, 0x7fffffff); // the first Vernaux's vna_name

        var act = () => ElfImage.Parse(bytes, Name).VersionNeeds();

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}'*string offset lies outside its string table*");
    }
}
