using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Xwp.Tests.Docs;

/// <summary>
/// The README's C# snippets are compiled code, line for line: each `&lt;!-- snippet: name --&gt;` block
/// equals the region between `// README: name` and `// README: end` in the quick start or in a
/// documentation test under tests/Xwp.Tests/Docs (indentation aside).
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
}
