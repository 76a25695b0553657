using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Xwp.Tests.Docs;

/// <summary>The README's C# snippets are the compiled quick start, line for line.</summary>
public partial class ReadmeTests
{
    [Fact]
    public void Every_readme_snippet_is_copied_from_the_compiled_quickstart()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var sample = File.ReadAllText(Path.Combine(root, "samples", "Xwp.Quickstart", "Program.cs"));

        var snippets = SnippetPattern().Matches(readme);
        snippets.Should().HaveCountGreaterThanOrEqualTo(3);
        foreach (Match snippet in snippets)
        {
            var name = snippet.Groups["name"].Value;
            var region = Regex.Match(sample, $@"// README: {Regex.Escape(name)}\n(?<code>.*?)// README: end", RegexOptions.Singleline);
            region.Success.Should().BeTrue($"the quick start has a region '{name}'");
            region.Groups["code"].Value.TrimEnd().Should().Be(snippet.Groups["code"].Value.TrimEnd(), $"snippet '{name}'");
        }
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
