using FluentAssertions;
using Xunit;
using Xwp.Data;

namespace Xwp.Tests.Data;

/// <summary>
/// The Google Fonts npm packages of data/fonts: discovery, TMNIST-style names, de-duplication against
/// the system fonts and unreadable files. The packages are faked with DejaVu fonts (Debian's
/// fonts-dejavu-core, installed by .ci/run) laid out as <c>npm ci</c> lays out @expo-google-fonts.
/// </summary>
public sealed class GoogleFontsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-google-fonts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string DejaVu(string name) => Path.Combine(DataFiles.DejaVuFolder, name);

    private static void SkipWithoutDejaVu() =>
        Skip.IfNot(File.Exists(DejaVu("DejaVuSans.ttf")) && File.Exists(DejaVu("DejaVuSans-Bold.ttf")),
            "fonts-dejavu-core is not installed (apt-get install fonts-dejavu-core).");

    [Theory]
    [InlineData("Lobster_400Regular.ttf", "Lobster-Regular")]
    [InlineData("Roboto_700Bold_Italic.ttf", "Roboto-BoldItalic")]
    [InlineData("Roboto_400Regular_Italic.ttf", "Roboto-Italic")]
    [InlineData("PlayfairDisplay_900Black.ttf", "PlayfairDisplay-Black")]
    [InlineData("PTSans_200ExtraLight_Italic.ttf", "PTSans-ExtraLightItalic")]
    [InlineData("/a/b/SourceSans3_600SemiBold.ttf", "SourceSans3-SemiBold")]
    [InlineData("DejaVuSans-Bold.ttf", "DejaVuSans-Bold")]
    [InlineData("Roboto_Bold.ttf", "Roboto_Bold")]
    [InlineData("Roboto_450Bold.ttf", "Roboto_450Bold")]
    public void Style_names_are_family_dash_style_as_tmnist_writes_them(string file, string name) =>
        FontDigitRenderer.StyleName(file).Should().Be(name);

    [Fact]
    public void The_repository_folder_is_found_from_the_working_directory_or_a_parent_then_from_the_app()
    {
        var repo = Directory.CreateDirectory(Path.Combine(_dir, "repo")).FullName;
        var modules = Directory.CreateDirectory(Path.Combine(repo, "data", "fonts", "node_modules")).FullName;
        var deep = Directory.CreateDirectory(Path.Combine(repo, "src", "Xwp.Cli", "bin")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(_dir, "elsewhere")).FullName;

        FontFiles.GoogleFontsFolder(null, repo, elsewhere).Should().Be(modules);
        FontFiles.GoogleFontsFolder(null, deep, elsewhere).Should().Be(modules, "the nearest parent with data/fonts/node_modules");
        FontFiles.GoogleFontsFolder("", elsewhere, deep).Should().Be(modules, "an empty variable counts as unset; the app's folder is searched next");
        FontFiles.GoogleFontsFolder(null, elsewhere, elsewhere).Should().BeNull();
    }

    [Fact]
    public void The_environment_variable_wins_and_a_missing_folder_it_names_is_an_error()
    {
        var named = Directory.CreateDirectory(Path.Combine(_dir, "named")).FullName;
        var repo = Directory.CreateDirectory(Path.Combine(_dir, "repo", "data", "fonts", "node_modules")).FullName;
        FontFiles.GoogleFontsFolder(named, Path.Combine(_dir, "repo"), _dir).Should().Be(named).And.NotBe(repo);

        var missing = Path.Combine(_dir, "missing");
        var act = () => FontFiles.GoogleFontsFolder(missing, _dir, _dir);
        act.Should().Throw<XwpDataException>().WithMessage($"'{missing}' (XWP_GOOGLE_FONTS): font folder not found.*npm ci*");
    }

    [Fact]
    public void The_default_folders_put_the_google_fonts_before_the_system_fonts()
    {
        var old = Environment.GetEnvironmentVariable(Datasets.GoogleFontsEnvironmentVariable);
        Environment.SetEnvironmentVariable(Datasets.GoogleFontsEnvironmentVariable, _dir);
        try
        {
            var folders = FontFiles.DefaultFolders();
            folders[0].Should().Be(_dir);
            folders.Skip(1).Should().Equal(FontFiles.SystemFolders());
        }
        finally
        {
            Environment.SetEnvironmentVariable(Datasets.GoogleFontsEnvironmentVariable, old);
        }
    }

    [SkippableFact]
    public void Fonts_of_a_node_modules_folder_are_rendered_with_tmnist_names_a_duplicate_skipped_and_a_corrupt_file_named()
    {
        SkipWithoutDejaVu();
        var modules = FakeNodeModules();

        var result = FontDigitRenderer.RenderFolders([modules], useCache: false);

        // Five font files in path order: broken/…, lobster/…, roboto/400Regular/…, roboto/700Bold_Italic/…, sans/… (the .png and package.json are no fonts).
        result.Files.Should().Be(5);
        result.Sets.Select(s => s.Name).Should().Equal("Lobster-Regular", "Roboto-BoldItalic");
        // Lobster's package says its family in metadata.json; the fake roboto has none, so the font's own family counts.
        result.Sets.Select(s => s.Family).Should().Equal("Lobster", "DejaVu Sans");
        result.Families.Should().Be(2);
        result.Skipped.Should().Equal(
            (Path.Combine(modules, "@expo-google-fonts", "broken", "400Regular", "Broken_400Regular.ttf"), FontDigitRenderer.NotAFont),
            (Path.Combine(modules, "@expo-google-fonts", "roboto", "400Regular", "Roboto_400Regular.ttf"), "same digits as Lobster-Regular"),
            (Path.Combine(modules, "@expo-google-fonts", "sans", "Sans_400Regular.ttf"), "same digits as Lobster-Regular"));
        result.Unreadable().Should().Equal(Path.Combine(modules, "@expo-google-fonts", "broken", "400Regular", "Broken_400Regular.ttf"));
    }

    [SkippableFact]
    public void The_dataset_keeps_the_readable_fonts_and_its_notes_name_the_corrupt_file()
    {
        SkipWithoutDejaVu();
        var modules = FakeNodeModules();
        using var data = Datasets.TmnistStyle(DatasetSplit.All, new DigitDatasetOptions { FontDirectories = [modules] });
        data.FontCount.Should().Be(2);
        data.Count.Should().Be(20);
        data.Fonts!.Distinct().Should().Equal("Lobster-Regular", "Roboto-BoldItalic");
        data.Notes.Should().Contain(
            $"Not readable as fonts (corrupt or not font files; the other files were rendered): '{Path.Combine(modules, "@expo-google-fonts", "broken", "400Regular", "Broken_400Regular.ttf")}'.");
    }

    [SkippableFact]
    public void Folders_are_searched_in_order_so_the_first_copy_of_a_design_keeps_its_name()
    {
        SkipWithoutDejaVu();
        var modules = FakeNodeModules();
        var system = Directory.CreateDirectory(Path.Combine(_dir, "system")).FullName;
        File.Copy(DejaVu("DejaVuSans.ttf"), Path.Combine(system, "DejaVuSans.ttf"));

        var googleFirst = FontDigitRenderer.RenderFolders([modules, system], useCache: false);
        googleFirst.Sets.Select(s => s.Name).Should().Equal("Lobster-Regular", "Roboto-BoldItalic");
        googleFirst.Skipped.Should().Contain((Path.Combine(system, "DejaVuSans.ttf"), "same digits as Lobster-Regular"));

        var systemFirst = FontDigitRenderer.RenderFolders([system, modules], useCache: false);
        systemFirst.Sets.Select(s => s.Name).Should().Equal("DejaVuSans", "Roboto-BoldItalic");
    }

    [SkippableFact]
    public void A_weight_file_counts_in_its_typographic_family_not_a_family_of_its_own()
    {
        // fonts-dejavu-extra (installed by .ci/run): name ID 1 "DejaVu Sans Light", ID 16 "DejaVu Sans".
        var light = DejaVu("DejaVuSans-ExtraLight.ttf");
        Skip.IfNot(File.Exists(light), "fonts-dejavu-extra is not installed.");
        File.Copy(light, Path.Combine(_dir, "DejaVuSans-ExtraLight.ttf"));
        var result = FontDigitRenderer.RenderFolders([_dir], useCache: false);
        result.Sets.Should().ContainSingle().Which.Family.Should().Be("DejaVu Sans");
    }

    [Fact]
    public void A_file_found_through_two_listed_folders_is_counted_once()
    {
        var inner = Directory.CreateDirectory(Path.Combine(_dir, "inner")).FullName;
        File.WriteAllText(Path.Combine(inner, "A.ttf"), "x");
        FontFiles.Find([_dir, inner]).Should().Equal(Path.Combine(inner, "A.ttf"));
    }

    /// <summary>
    /// node_modules/@expo-google-fonts with lobster (DejaVu Sans, with a metadata.json naming its family), roboto 400 (DejaVu Sans again) and
    /// 700 italic (DejaVu Sans Bold), an old-layout package "sans" (DejaVu Sans once more, TTF at the
    /// package root) and "broken" (the first 3,000 bytes of DejaVu Sans).
    /// </summary>
    private string FakeNodeModules()
    {
        var modules = Path.Combine(_dir, "node_modules");
        var scope = Path.Combine(modules, "@expo-google-fonts");
        Place(Path.Combine(scope, "lobster", "400Regular", "Lobster_400Regular.ttf"), DejaVu("DejaVuSans.ttf"));
        File.WriteAllText(Path.Combine(scope, "lobster", "metadata.json"), """{ "family": "Lobster", "variants": ["regular"] }""");
        Place(Path.Combine(scope, "roboto", "400Regular", "Roboto_400Regular.ttf"), DejaVu("DejaVuSans.ttf"));
        Place(Path.Combine(scope, "roboto", "700Bold_Italic", "Roboto_700Bold_Italic.ttf"), DejaVu("DejaVuSans-Bold.ttf"));
        Place(Path.Combine(scope, "sans", "Sans_400Regular.ttf"), DejaVu("DejaVuSans.ttf"));
        File.WriteAllBytes(Path.Combine(scope, "sans", "Sans_400Regular.ttf.png"), [0x89, 0x50, 0x4e, 0x47]);
        File.WriteAllText(Path.Combine(scope, "sans", "package.json"), """{ "name": "@expo-google-fonts/sans" }""");
        var broken = Path.Combine(scope, "broken", "400Regular", "Broken_400Regular.ttf");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        File.WriteAllBytes(broken, File.ReadAllBytes(DejaVu("DejaVuSans.ttf"))[..3000]);
        return modules;

        static void Place(string path, string source)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(source, path);
        }
    }
}
