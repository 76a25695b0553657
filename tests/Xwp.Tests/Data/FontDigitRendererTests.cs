using FluentAssertions;
using Xunit;
using Xwp.Data;

namespace Xwp.Tests.Data;

/// <summary>Renders the DejaVu fonts (Debian's fonts-dejavu-core, installed by .ci/run); skipped where they are absent.</summary>
public sealed class FontDigitRendererTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-fonts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string DejaVuSans => Path.Combine(DataFiles.DejaVuFolder, "DejaVuSans.ttf");

    private static void SkipWithoutDejaVu() =>
        Skip.IfNot(File.Exists(DejaVuSans), $"{DejaVuSans} is not installed (apt-get install fonts-dejavu-core).");

    [SkippableFact]
    public void Rendering_the_same_fonts_twice_gives_the_same_bytes()
    {
        SkipWithoutDejaVu();
        var first = FontDigitRenderer.RenderFolders([DataFiles.DejaVuFolder], useCache: false);
        var second = FontDigitRenderer.RenderFolders([DataFiles.DejaVuFolder], useCache: false);
        first.Sets.Should().NotBeEmpty();
        second.Should().NotBeSameAs(first);
        second.Sets.Select(s => s.Name).Should().Equal(first.Sets.Select(s => s.Name));
        for (var i = 0; i < first.Sets.Count; i++)
        {
            second.Sets[i].Pixels.Should().Equal(first.Sets[i].Pixels, $"set {first.Sets[i].Name}");
        }
    }

    [SkippableFact]
    public void Every_rendered_digit_is_centred_by_centre_of_mass_within_half_a_pixel()
    {
        SkipWithoutDejaVu();
        var result = FontDigitRenderer.RenderFolders([DataFiles.DejaVuFolder]);
        foreach (var set in result.Sets)
        {
            for (var d = 0; d < 10; d++)
            {
                var image = set.Pixels.AsSpan(d * 784, 784);
                var (cx, cy) = DigitNormalizer.CentreOfMass(image);
                Math.Abs(cx - 14).Should().BeLessThanOrEqualTo(0.5, $"{set.Name} digit {d}");
                Math.Abs(cy - 14).Should().BeLessThanOrEqualTo(0.5, $"{set.Name} digit {d}");
                FitsTheBox(image).Should().BeTrue($"{set.Name} digit {d} fits 20×20 with its longer side 20 pixels");
            }
        }
    }

    [SkippableFact]
    public void Light_glyphs_on_black_with_the_font_named()
    {
        SkipWithoutDejaVu();
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "one")).FullName;
        File.Copy(DejaVuSans, Path.Combine(folder, "DejaVuSans.ttf"));
        var result = FontDigitRenderer.RenderFolders([folder]);
        var set = result.Sets.Should().ContainSingle().Subject;
        set.Name.Should().Be("DejaVuSans");
        set.Family.Should().Be("DejaVu Sans");
        // Corners are black; the digit 8 has full-white ink somewhere.
        set.Pixels[0].Should().Be(0);
        set.Pixels.AsSpan(8 * 784, 784).ToArray().Max().Should().Be(255);
        // Digit 1 has less ink than digit 8.
        Ink(set.Pixels, 1).Should().BeLessThan(Ink(set.Pixels, 8));
    }

    [SkippableFact]
    public void A_copy_of_a_font_and_a_file_that_is_no_font_are_skipped_with_reasons()
    {
        SkipWithoutDejaVu();
        File.Copy(DejaVuSans, Path.Combine(_dir, "A.ttf"));
        File.Copy(DejaVuSans, Path.Combine(_dir, "B.ttf"));
        File.WriteAllText(Path.Combine(_dir, "C.ttf"), "not a font");
        var result = FontDigitRenderer.RenderFolders([_dir]);
        result.Files.Should().Be(3);
        result.Sets.Select(s => s.Name).Should().Equal("A");
        result.Skipped.Should().BeEquivalentTo(new[]
        {
            (Path.Combine(_dir, "B.ttf"), "same digits as A"),
            (Path.Combine(_dir, "C.ttf"), "not a font Skia can read"),
        });
    }

    [SkippableFact]
    public void A_changed_font_folder_is_rendered_again()
    {
        SkipWithoutDejaVu();
        File.Copy(DejaVuSans, Path.Combine(_dir, "A.ttf"));
        var first = FontDigitRenderer.RenderFolders([_dir]);
        FontDigitRenderer.RenderFolders([_dir]).Should().BeSameAs(first, "the same files give the kept result");
        File.Copy(Path.Combine(DataFiles.DejaVuFolder, "DejaVuSerif.ttf"), Path.Combine(_dir, "B.ttf"));
        var second = FontDigitRenderer.RenderFolders([_dir]);
        second.Sets.Select(s => s.Name).Should().Equal("A", "B");
    }

    [SkippableFact]
    public void A_damaged_cache_file_is_rendered_again_and_rewritten_with_a_note_naming_it()
    {
        SkipWithoutDejaVu();
        var fonts = Directory.CreateDirectory(Path.Combine(_dir, "fonts")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(_dir, "other")).FullName;
        File.Copy(DejaVuSans, Path.Combine(fonts, "A.ttf"));
        File.Copy(DejaVuSans, Path.Combine(other, "B.ttf"));
        var cache = Path.Combine(_dir, "cache", "font-digits.cache");

        var first = FontDigitRenderer.RenderFolders([fonts], cacheFile: cache);
        first.CacheNote.Should().BeNull("there was no file to reuse");
        var written = File.ReadAllBytes(cache);

        // Only the last result stays in memory: rendering another folder makes the next call read the file.
        FontDigitRenderer.RenderFolders([other]);
        var damaged = (byte[])written.Clone();
        damaged[^5] ^= 0x01;
        File.WriteAllBytes(cache, damaged);

        var again = FontDigitRenderer.RenderFolders([fonts], cacheFile: cache);

        again.CacheNote.Should().Be($"The rendered-digit cache '{cache}' changed since it was written: rendered the fonts again and rewrote it.");
        again.Sets.Select(s => s.Name).Should().Equal("A");
        File.ReadAllBytes(cache).Should().Equal(written, "the rewritten file is the one the first render wrote");
        FontDigitRenderer.RenderFolders([other]);
        FontDigitRenderer.RenderFolders([fonts], cacheFile: cache).CacheNote.Should().BeNull("the rewritten file is reused");
    }

    [SkippableFact]
    public void Math_and_symbol_fonts_and_fonts_without_digits_are_skipped()
    {
        // From Debian's fonts-noto-core, which .ci/run installs.
        const string noto = "/usr/share/fonts/truetype/noto";
        string[] files = ["NotoSansMath-Regular.ttf", "NotoSansSymbols-Regular.ttf", "NotoSansOgham-Regular.ttf"];
        Skip.IfNot(files.All(f => File.Exists(Path.Combine(noto, f))), "fonts-noto-core is not installed.");
        foreach (var f in files)
        {
            File.Copy(Path.Combine(noto, f), Path.Combine(_dir, f));
        }

        var result = FontDigitRenderer.RenderFolders([_dir]);
        result.Sets.Should().BeEmpty();
        result.Skipped.Select(s => (Path.GetFileName(s.Face), s.Reason)).Should().Equal(
            ("NotoSansMath-Regular.ttf", "symbol, icon or math family 'Noto Sans Math'"),
            ("NotoSansOgham-Regular.ttf", "missing digit glyphs"),
            ("NotoSansSymbols-Regular.ttf", "symbol, icon or math family 'Noto Sans Symbols'"));
    }

    [SkippableFact]
    public void The_fallback_chain_renders_fonts_when_there_are_enough()
    {
        SkipWithoutDejaVu();
        var old = Environment.GetEnvironmentVariable(Datasets.TmnistEnvironmentVariable);
        Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, null);
        try
        {
            using var data = Datasets.TypefaceDigits(DatasetSplit.All, options: new DigitDatasetOptions
            {
                FontDirectories = [DataFiles.DejaVuFolder],
                MinimumRenderedFonts = 2,
            });
            data.Name.Should().Be("TMNIST-style");
            data.Source.Should().StartWith("TMNIST-style digits rendered from installed fonts in").And.Contain("distinct digit sets from");
            data.Notes[0].Should().Be("No TMNIST CSV was given and XWP_TMNIST is not set.");
            data.Count.Should().Be(10 * data.FontCount!.Value);
            data.ClassCounts.Should().AllBeEquivalentTo(data.FontCount.Value);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, old);
        }
    }

    [Fact]
    public void A_missing_font_folder_is_named()
    {
        var folder = Path.Combine(_dir, "missing");
        var act = () => Datasets.TmnistStyle(DatasetSplit.All, new DigitDatasetOptions { FontDirectories = [folder] });
        act.Should().Throw<XwpDataException>().WithMessage($"'{folder}': font folder not found.");
    }

    [Fact]
    public void A_folder_without_usable_fonts_is_an_error_for_tmnist_style()
    {
        var act = () => Datasets.TmnistStyle(DatasetSplit.All, new DigitDatasetOptions { FontDirectories = [_dir] });
        act.Should().Throw<XwpDataException>().WithMessage($"No usable font was found in '{_dir}' (0 faces looked at)*embedded set*");
    }

    private static long Ink(byte[] pixels, int digit) => pixels.AsSpan(digit * 784, 784).ToArray().Sum(b => (long)b);

    private static bool FitsTheBox(ReadOnlySpan<byte> image)
    {
        int left = 28, right = -1, top = 28, bottom = -1;
        for (var i = 0; i < 784; i++)
        {
            if (image[i] != 0)
            {
                left = Math.Min(left, i % 28);
                right = Math.Max(right, i % 28);
                top = Math.Min(top, i / 28);
                bottom = Math.Max(bottom, i / 28);
            }
        }

        var w = right - left + 1;
        var h = bottom - top + 1;
        return w <= 20 && h <= 20 && Math.Max(w, h) >= 19;
    }
}
