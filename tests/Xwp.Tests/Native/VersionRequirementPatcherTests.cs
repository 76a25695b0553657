using FluentAssertions;
using Xunit;
using Xwp.Native;

namespace Xwp.Tests.Native;

public class VersionRequirementPatcherTests
{
    private const string Name = "/fixture/libLibTorchSharp.so";

    [Fact]
    public void The_only_marker_symbol_is_ios_base_library_init()
    {
        VersionRequirementPatcher.MarkerSymbols.Should().BeEquivalentTo([Fixture.MarkerSymbol]);
    }

    [LinuxFact]
    public void MakeWeak_changes_exactly_the_flags_field_of_the_GLIBCXX_3_4_32_entry()
    {
        var original = Fixture.ReadBytes();

        var patched = VersionRequirementPatcher.MakeWeak(ElfImage.Parse(original, Name), Fixture.MarkerVersion);

        patched.Should().HaveCount(original.Length);
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        // vna_flags is 16 bits at 0x3fa34; only its low byte goes from 0x00 to 0x02.
        differing.Should().Equal(Fixture.MarkerFlagsOffset);
        RawElf.U16(original, Fixture.MarkerFlagsOffset).Should().Be(0);
        RawElf.U16(patched, Fixture.MarkerFlagsOffset).Should().Be(ElfImage.VersionFlagWeak);
    }

    [LinuxFact]
    public void MakeWeak_leaves_the_image_it_was_given_untouched()
    {
        var original = Fixture.ReadBytes();
        var image = ElfImage.Parse(original, Name);

        _ = VersionRequirementPatcher.MakeWeak(image, Fixture.MarkerVersion);

        original.Should().Equal(Fixture.ReadBytes());
        image.VersionNeeds().Should().OnlyContain(n => !n.IsWeak);
    }

    [LinuxFact]
    public void The_patched_copy_parses_with_that_entry_weak_and_everything_else_unchanged()
    {
        var original = ElfImage.Parse(Fixture.ReadBytes(), Name);

        var copy = ElfImage.Parse(VersionRequirementPatcher.MakeWeak(original, Fixture.MarkerVersion), Name);

        var expected = original.VersionNeeds()
            .Select(n => n.Version == Fixture.MarkerVersion ? n with { Flags = ElfImage.VersionFlagWeak } : n)
            .ToList();
        copy.VersionNeeds().Should().Equal(expected);
        copy.VersionNeeds().Where(n => n.IsWeak).Select(n => n.Version).Should().Equal(Fixture.MarkerVersion);
        copy.SoName.Should().Be(original.SoName);
        copy.Needed.Should().Equal(original.Needed);
        copy.SymbolsWithVersion(Fixture.MarkerVersionIndex).Should().Equal(Fixture.MarkerSymbol);
        copy.RelocationsWithVersion(Fixture.LibcGlibc225Index).Should().Be(13);
    }

    [LinuxFact]
    public void MakeWeak_keeps_the_other_flag_bits_of_the_entry()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU16(bytes, Fixture.MarkerFlagsOffset, 0x1); // VER_FLG_BASE, as if set by the linker

        var patched = VersionRequirementPatcher.MakeWeak(ElfImage.Parse(bytes, Name), Fixture.MarkerVersion);

        RawElf.U16(patched, Fixture.MarkerFlagsOffset).Should().Be(0x1 | 0x2);
    }

    [LinuxFact]
    public void MakeWeak_of_an_already_weak_copy_returns_the_same_bytes()
    {
        var once = VersionRequirementPatcher.MakeWeak(ElfImage.Parse(Fixture.ReadBytes(), Name), Fixture.MarkerVersion);

        var twice = VersionRequirementPatcher.MakeWeak(ElfImage.Parse(once, Name), Fixture.MarkerVersion);

        twice.Should().Equal(once);
    }

    [LinuxFact]
    public void MakeWeak_refuses_a_version_the_library_does_not_need()
    {
        var image = ElfImage.Parse(Fixture.ReadBytes(), Name);

        var act = () => VersionRequirementPatcher.MakeWeak(image, "GLIBCXX_3.4.99");

        act.Should().Throw<XwpNativeLibraryException>()
            .WithMessage($"'{Name}' does not require symbol version GLIBCXX_3.4.99, so marking it weak cannot help.");
    }

    [LinuxFact]
    public void MakeWeak_refuses_a_version_that_real_libm_functions_need()
    {
        // GLIBC_2.2.5 is needed from libm.so.6 (index 22: ceil, floor, erfc, erf) and from libc.so.6;
        // the libm entry comes first in .gnu.version_r.
        var image = ElfImage.Parse(Fixture.ReadBytes(), Name);

        var act = () => VersionRequirementPatcher.MakeWeak(image, "GLIBC_2.2.5");

        act.Should().Throw<XwpNativeLibraryException>().WithMessage(
            $"'{Name}' needs GLIBC_2.2.5 from libm.so.6, which this system's libm.so.6 does not provide, " +
            "for 4 real symbol(s): ceil, floor, erfc, erf. Install a libm.so.6 that provides GLIBC_2.2.5*");
    }

    [LinuxFact]
    public void MakeWeak_lists_at_most_eight_real_symbols()
    {
        // libc.so.6's GLIBC_2.2.5 (the only user of that name once libm's entry is renamed away)
        // has 13 symbols: the message shows the first eight and then "...".
        var bytes = Fixture.ReadBytes();
        var libm = ElfImage.Parse(bytes, Name).VersionNeeds().Single(n => n.File == "libm.so.6");
        var otherName = ElfImage.Parse(bytes, Name).VersionNeeds().Single(n => n.Version == "GLIBC_2.14");
        RawElf.SetU32(bytes, libm.FlagsOffset + 4, RawElf.U32(bytes, otherName.FlagsOffset + 4)); // vna_name

        var act = () => VersionRequirementPatcher.MakeWeak(ElfImage.Parse(bytes, Name), "GLIBC_2.2.5");

        act.Should().Throw<XwpNativeLibraryException>().WithMessage(
            "*from libc.so.6*for 13 real symbol(s): strdup, memmove, strncpy, memset, strlen, __cxa_atexit, free, __cxa_finalize, ...*");
    }

    [LinuxFact]
    public void MakeWeak_refuses_when_a_real_symbol_is_bound_to_the_version()
    {
        // Rebind the first GLIBCXX_3.4 symbol (index 2) to GLIBCXX_3.4.32 (index 18) in .gnu.version.
        var bytes = Fixture.ReadBytes();
        var symbol = RawElf.FirstSymbolWithVersion(bytes, 2);
        var name = RawElf.SymbolName(bytes, symbol);
        RawElf.SetU16(bytes, RawElf.VersymOffset(bytes, symbol), Fixture.MarkerVersionIndex);
        var image = ElfImage.Parse(bytes, Name);
        image.SymbolsWithVersion(Fixture.MarkerVersionIndex).Should().BeEquivalentTo([Fixture.MarkerSymbol, name]);

        var act = () => VersionRequirementPatcher.MakeWeak(image, Fixture.MarkerVersion);

        var message = act.Should().Throw<XwpNativeLibraryException>().Which.Message;
        message.Should().Be(
            $"'{Name}' needs GLIBCXX_3.4.32 from libstdc++.so.6, which this system's libstdc++.so.6 does not provide, " +
            $"for 1 real symbol(s): {name}. " +
            "Install a libstdc++.so.6 that provides GLIBCXX_3.4.32 (for libstdc++: GCC 13 or newer).");
        message.Should().NotContain(Fixture.MarkerSymbol);
    }

    [LinuxFact]
    public void MakeWeak_refuses_when_a_relocation_uses_the_marker()
    {
        var bytes = Fixture.ReadBytes();
        var rela = RawElf.SymbolRelocations(bytes).First();
        RawElf.SetRelocationSymbol(bytes, rela, Fixture.MarkerSymbolIndex);
        var image = ElfImage.Parse(bytes, Name);

        var act = () => VersionRequirementPatcher.MakeWeak(image, Fixture.MarkerVersion);

        act.Should().Throw<XwpNativeLibraryException>().WithMessage(
            $"'{Name}' needs GLIBCXX_3.4.32 from libstdc++.so.6 for {Fixture.MarkerSymbol}, and 1 relocation(s) use it, " +
            "so it cannot be left unresolved. Install a libstdc++.so.6 that provides GLIBCXX_3.4.32.");
    }

    [LinuxFact]
    public void MakeWeak_refuses_a_library_without_version_requirements()
    {
        var bytes = Fixture.ReadBytes();
        RawElf.SetU32(bytes, RawElf.Section(bytes, RawElf.ShtGnuVerneed).HeaderOffset + 4, RawElf.ShtProgbits);

        var act = () => VersionRequirementPatcher.MakeWeak(ElfImage.Parse(bytes, Name), Fixture.MarkerVersion);

        act.Should().Throw<XwpNativeLibraryException>().WithMessage($"'{Name}' does not require symbol version GLIBCXX_3.4.32*");
    }
}
