using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Xwp.Tests.Docs;

/// <summary>
/// The README's C# snippets are compiled code, line for line: each `&lt;!-- snippet: name --&gt;` block
/// equals the region between `// README: name` and `// README: end` in the quick start or in a
/// documentation test under tests/Xwp.Tests/Docs (indentation aside); each `&lt;!-- file: path --&gt;` block is
/// the whole file at that path, byte for byte.
/// </summary>
public partial class ReadmeTests
{
    [Fact]
    public void Every_readme_snippet_is_copied_from_compiled_code()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var sources = new[] { Path.Combine(root, "samples", "Xwp.Quickstart", "Program.cs") }
            .Concat(Directory.GetFiles(Path.Combine(root, "tests", "Xwp.Tests", "Docs"), "*.cs"))
            .Select(File.ReadAllText)
            .ToList();

        var snippets = SnippetPattern().Matches(readme);
        snippets.Should().HaveCountGreaterThanOrEqualTo(3);
        foreach (Match snippet in snippets)
        {
            var name = snippet.Groups["name"].Value;
            var regions = sources
                .Select(source => Regex.Match(source, $@"// README: {Regex.Escape(name)}\n(?<code>.*?)[ \t]*// README: end", RegexOptions.Singleline))
                .Where(m => m.Success)
                .ToList();
            regions.Should().ContainSingle($"exactly one compiled file has a region '{name}'");
            Dedent(regions[0].Groups["code"].Value).Should().Be(snippet.Groups["code"].Value.TrimEnd(), $"snippet '{name}'");
        }
    }

    [Fact]
    public void Readme_project_files_equal_the_package_consumer_sample_byte_for_byte()
    {
        // "<!-- file: PATH -->" before a fenced block: the block is the whole file at PATH, as CI builds it.
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var files = FilePattern().Matches(readme).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["code"].Value);
        files.Keys.Should().BeEquivalentTo("samples/Xwp.PackageConsumer/Xwp.PackageConsumer.csproj", "samples/Xwp.PackageConsumer/Program.cs");
        foreach (var (path, code) in files)
        {
            code.Should().Be(File.ReadAllText(Path.Combine(root, path)), path);
        }
    }

    [Fact]
    public void The_package_consumer_references_the_versions_this_repository_builds()
    {
        var root = RepositoryRoot();
        var csproj = File.ReadAllText(Path.Combine(root, "samples", "Xwp.PackageConsumer", "Xwp.PackageConsumer.csproj"));
        var xwp = Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props")), "<XwpVersion>(.*?)</XwpVersion>").Groups[1].Value;
        var torch = Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Packages.props")), "<TorchSharpVersion>(.*?)</TorchSharpVersion>").Groups[1].Value;
        xwp.Should().NotBeEmpty();
        torch.Should().NotBeEmpty();
        csproj.Should().Contain($"<PackageReference Include=\"Xwp\" Version=\"{xwp}\" />");
        csproj.Should().Contain($"<PackageReference Include=\"TorchSharp-cpu\" Version=\"{torch}\" />");
        // The sample must not inherit the repository's build: its own Directory.*.props stop the search upwards.
        File.ReadAllText(Path.Combine(root, "samples", "Xwp.PackageConsumer", "Directory.Build.props")).Should().NotContain("<Import");
        File.ReadAllText(Path.Combine(root, "samples", "Xwp.PackageConsumer", "Directory.Packages.props")).Should().NotContain("<Package");
    }

    [Fact]
    public void Every_csharp_block_in_the_readme_is_compiled_code()
    {
        // A C# block is either a snippet of compiled code or a whole compiled file; nothing is left to compile in the reader's head.
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var blocks = Regex.Matches(readme, "^```csharp$", RegexOptions.Multiline).Count;
        var checkedBlocks = SnippetPattern().Count(readme) + FilePattern().Matches(readme).Count(m => m.Groups["lang"].Value == "csharp");
        blocks.Should().Be(checkedBlocks);
    }

    private static string Dedent(string code)
    {
        var lines = code.TrimEnd().Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Xwp.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Xwp.sln not found above the test folder.");
    }

    [GeneratedRegex(@"<!-- snippet: (?<name>[\w-]+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex SnippetPattern();

    [GeneratedRegex(@"<!-- file: (?<path>[\w./-]+) -->\n```(?<lang>\w+)\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FilePattern();
}
