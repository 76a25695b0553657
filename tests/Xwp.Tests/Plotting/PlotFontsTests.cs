using FluentAssertions;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class PlotFontsTests
{
    [Fact]
    public void No_font_files_means_no_font()
    {
        using var scratch = new ScratchFolder();
        File.WriteAllText(Path.Combine(scratch.Path, "broken.ttf"), "not a font");

        PlotFonts.FindFontFile([scratch.Path, Path.Combine(scratch.Path, "missing")]).Should().BeNull();
        PlotFonts.FindFontFile([]).Should().BeNull();
    }

    [Fact]
    public void A_preferred_font_wins_over_other_files_and_otherwise_the_first_path_in_order()
    {
        var font = PlotAssert.RequireFont();
        using var scratch = new ScratchFolder();
        Directory.CreateDirectory(Path.Combine(scratch.Path, "a"));
        Directory.CreateDirectory(Path.Combine(scratch.Path, "z"));
        File.Copy(font, Path.Combine(scratch.Path, "a", "Other.ttf"));
        File.Copy(font, Path.Combine(scratch.Path, "a", "Another.ttf"));

        PlotFonts.FindFontFile([scratch.Path]).Should().Be(Path.Combine(scratch.Path, "a", "Another.ttf"));

        File.Copy(font, Path.Combine(scratch.Path, "z", "LiberationSans-Regular.ttf"));
        PlotFonts.FindFontFile([scratch.Path]).Should().Be(Path.Combine(scratch.Path, "z", "LiberationSans-Regular.ttf"));

        File.Copy(font, Path.Combine(scratch.Path, "z", "DejaVuSans.ttf"));
        PlotFonts.FindFontFile([scratch.Path]).Should().Be(Path.Combine(scratch.Path, "z", "DejaVuSans.ttf"));
    }

    [Fact]
    public void The_default_font_loads_with_a_bold_face_when_the_folder_has_one()
    {
        var font = PlotAssert.RequireFont();
        var faces = PlotFonts.Resolve(null);

        faces.Should().NotBeNull();
        faces!.RegularFile.Should().Be(font);
        faces.Regular.GlyphCount.Should().BeGreaterThan(100);
        PlotFonts.RegisterWithScottPlot(null).Should().Be(PlotFonts.RegisterWithScottPlot(font), "one registration per file");
    }
}
