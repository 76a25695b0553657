using FluentAssertions;
using Xunit;
using Xwp.Cli.Commands;

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
}
