using FluentAssertions;
using Xunit;
using Xwp.Cli.Commands;
using Xwp.Data;

namespace Xwp.Tests.Cli;

public sealed class FontLicencesTests
{
    private const string Copyright = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: Example

        Files: *
        Copyright: 2011 Someone
        License: Apache-2.0

        Files: hinted/*
        License: Apache-2.0

        Files: third_party/spiro/*
        License: GPL-2+

        Files: fonts/opentype/public/tex-gyre/*
               other/*.ttf
        License: GUST-Font-License
         A long licence text
         that continues.

        Files: debian/*
        License: GPL-3+

        License: Apache-2.0
         Full text.
        """;

    [Theory]
    [InlineData("/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf", "Apache-2.0")]
    [InlineData("/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyreadventor-bold.otf", "GUST-Font-License")]
    [InlineData("/usr/share/fonts/other/A.ttf", "GUST-Font-License")]
    public void The_last_stanza_matching_the_installed_path_at_a_folder_boundary_wins(string file, string licence)
    {
        var stanzas = FontLicences.ParseCopyright(Copyright);
        stanzas.Should().HaveCount(4, "debian/* and the stand-alone licence paragraph are left out");
        FontLicences.LicenceOf(file, stanzas, "pkg").Should().Be(licence);
    }

    [Fact]
    public void Without_a_matching_stanza_every_licence_is_named()
    {
        var stanzas = FontLicences.ParseCopyright("Files: src/*.sfd\nLicense: OFL-1.1\n\nFiles: tools/*\nLicense: MIT\n");
        FontLicences.LicenceOf("/usr/share/fonts/x/A.ttf", stanzas, "pkg").Should().Be("OFL-1.1 and MIT");
        FontLicences.LicenceOf("/usr/share/fonts/x/A.ttf", [], "pkg").Should().Be("see /usr/share/doc/pkg/copyright");
    }

    [Theory]
    [InlineData("This Font Software is licensed under the SIL Open Font License, Version 1.1. This license is available", "OFL-1.1")]
    [InlineData("https://scripts.sil.org/OFL", "OFL-1.1")]
    [InlineData("https://openfontlicense.org", "OFL-1.1")]
    [InlineData("Licensed under the SIL Open Font License, Version 1.0", "OFL-1.0")]
    [InlineData("Copyright (c) 2010 by Someone. Released under the terms of the SIL Open Font License.", "OFL (version not stated)")]
    [InlineData("Licensed under the Apache License, Version 2.0", "Apache-2.0")]
    [InlineData("http://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0")]
    [InlineData("Licensed under the Ubuntu Font Licence 1.0.", "UFL-1.0")]
    [InlineData("Fonts are (c) Bitstream (see below). DejaVu changes are in public domain.", null)]
    [InlineData("", null)]
    public void A_fonts_licence_text_or_url_gets_its_short_name(string text, string? licence) =>
        FontLicences.ShortLicence(text).Should().Be(licence);

    [Theory]
    [InlineData("MIT AND OFL-1.1", "OFL-1.1")]
    [InlineData("MIT AND Apache-2.0", "Apache-2.0")]
    [InlineData("MIT", "not stated in the font (package licence MIT)")]
    [InlineData(null, "not stated in the package or the font")]
    public void The_mit_part_of_an_npm_font_packages_licence_covers_its_code_not_the_font(string? package, string licence) =>
        FontLicences.FontPartOfPackageLicence(package).Should().Be(licence);

    [Theory]
    [InlineData("/work/repo/data/fonts/node_modules/@expo-google-fonts/lobster/400Regular/Lobster_400Regular.ttf",
        "node_modules/@expo-google-fonts/lobster/400Regular/Lobster_400Regular.ttf")]
    [InlineData("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    [InlineData(null, null)]
    public void The_fonts_list_shows_npm_fonts_from_node_modules_on(string? file, string? shown) =>
        FontLicences.ShownPath(file).Should().Be(shown);

    [Fact]
    public void A_name_table_gives_the_windows_unicode_record_before_the_mac_one()
    {
        // Header: format 0, 2 records, strings at 6 + 2 × 12 = 30. Record 1: Mac (1, 0, lang 0) ID 13, 3 bytes
        // "Mac" at 0; record 2: Windows (3, 1, 0x409) ID 13, 6 bytes "Win" in UTF-16BE at 3.
        byte[] table =
        [
            0, 0, 0, 2, 0, 30,
            0, 1, 0, 0, 0, 0, 0, 13, 0, 3, 0, 0,
            0, 3, 0, 1, 4, 9, 0, 13, 0, 6, 0, 3,
            (byte)'M', (byte)'a', (byte)'c', 0, (byte)'W', 0, (byte)'i', 0, (byte)'n',
        ];
        FontNameTable.Record(table, 13).Should().Be("Win");
        FontNameTable.Record(table.AsSpan(0, 33), 13).Should().Be("Mac", "the Windows record's text is cut off");
        FontNameTable.Record(table, 14).Should().BeNull();

        // Two Windows records for ID 1: Chinese (0x804) "Zh" listed first, US English (0x409) "En" second.
        byte[] languages =
        [
            0, 0, 0, 2, 0, 30,
            0, 3, 0, 1, 8, 4, 0, 1, 0, 4, 0, 0,
            0, 3, 0, 1, 4, 9, 0, 1, 0, 4, 0, 4,
            0, (byte)'Z', 0, (byte)'h', 0, (byte)'E', 0, (byte)'n',
        ];
        FontNameTable.Record(languages, 1).Should().Be("En");
        FontNameTable.Record(languages.AsSpan(0, 18), 1).Should().BeNull("the header says two records but only one fits, and its text is cut off");
        FontNameTable.Record(table.AsSpan(0, 4), 13).Should().BeNull();
    }

    [SkippableFact]
    public void An_npm_font_gets_its_package_and_the_packages_font_licence_when_the_font_states_none_we_know()
    {
        const string dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        Skip.IfNot(File.Exists(dejaVu), "fonts-dejavu-core is not installed.");
        var dir = Directory.CreateTempSubdirectory("xwp-npm-licence-").FullName;
        try
        {
            var package = Directory.CreateDirectory(Path.Combine(dir, "node_modules", "@expo-google-fonts", "lobster")).FullName;
            File.WriteAllText(Path.Combine(package, "package.json"),
                """{ "name": "@expo-google-fonts/lobster", "version": "0.4.1", "license": "MIT AND OFL-1.1" }""");
            var font = Path.Combine(Directory.CreateDirectory(Path.Combine(package, "400Regular")).FullName, "Lobster_400Regular.ttf");
            File.Copy(dejaVu, font);

            FontLicences.FontLicence(font).Should().BeNull("DejaVu's licence field names Bitstream's licence, none of ours");
            FontLicences.NpmOrigin(font).Should().Be(new FontLicences.Origin("@expo-google-fonts/lobster@0.4.1 (npm)", "OFL-1.1"));
            FontLicences.NpmOrigin(dejaVu).Should().BeNull("a system font is in no npm package");
            var loose = Path.Combine(dir, "node_modules", "Loose.ttf");
            File.Copy(dejaVu, loose);
            FontLicences.NpmOrigin(loose).Should().BeNull("the search stops at node_modules");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
