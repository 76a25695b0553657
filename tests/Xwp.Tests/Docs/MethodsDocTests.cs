using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Xwp.Tests.Docs;

/// <summary>
/// Users have the repository, not the material it was written from: README, docs/, samples and the
/// sources (whose XML docs and report strings reach users) cite docs/methods.md, and every anchor
/// they cite exists there.
/// </summary>
public partial class MethodsDocTests
{
    [Fact]
    public void Nothing_users_read_points_to_material_outside_the_repository()
    {
        var offenders = UserFacingFiles()
            .SelectMany(path => File.ReadLines(path).Select((line, i) => (path, line, number: i + 1)))
            .Where(l => OutsidePattern().IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(ReadmeTests.RepositoryRoot(), l.path)}:{l.number}: {l.line.Trim()}")
            .ToList();
        offenders.Should().BeEmpty("README, docs/, samples and src/ must cite docs/methods.md, not the private specification");
    }

    [Fact]
    public void Every_cited_methods_anchor_exists()
    {
        var root = ReadmeTests.RepositoryRoot();
        var methods = Path.Combine(root, "docs", "methods.md");
        var anchors = Anchors(File.ReadAllText(methods));
        anchors.Should().Contain(["xwp", "xwpc", "the-sign-of-xwpc", "the-rank-1-fast-path", "paired-comparisons"]);

        var citations = UserFacingFiles()
            .SelectMany(path => CitationPattern().Matches(File.ReadAllText(path)).Select(m => (path, anchor: m.Groups["anchor"].Value)))
            .Concat(LocalLinkPattern().Matches(File.ReadAllText(methods)).Select(m => (path: methods, anchor: m.Groups["anchor"].Value)))
            .ToList();
        citations.Should().HaveCountGreaterThan(10);
        citations.Where(c => !anchors.Contains(c.anchor))
            .Select(c => $"{Path.GetRelativePath(root, c.path)} cites #{c.anchor}")
            .Should().BeEmpty();
    }

    [Fact]
    public void Anchors_follow_the_way_github_names_headings()
    {
        Anchors("## XWP^c\n### The paper's Table 1\n## Deletion and Insertion AUC\n<a id=\"output-space\"></a>")
            .Should().BeEquivalentTo("xwpc", "the-papers-table-1", "deletion-and-insertion-auc", "output-space");
    }

    /// <summary>GitHub's heading anchors (lower case, punctuation dropped, spaces to hyphens) and explicit <c>&lt;a id&gt;</c> anchors.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var headings = Regex.Matches(markdown, @"^#{1,6} (?<text>.+)$", RegexOptions.Multiline)
            .Select(m => Regex.Replace(m.Groups["text"].Value.Trim().ToLowerInvariant(), @"[^\p{L}\p{N} _-]", "").Replace(' ', '-'));
        var explicitIds = Regex.Matches(markdown, "<a id=\"(?<id>[^\"]+)\"></a>").Select(m => m.Groups["id"].Value);
        return [.. headings, .. explicitIds];
    }

    private static IEnumerable<string> UserFacingFiles()
    {
        var root = ReadmeTests.RepositoryRoot();
        var sources = new[] { "src", "samples" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));
        return sources
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories))
            .Append(Path.Combine(root, "README.md"));
    }

    [GeneratedRegex(@"\bSPEC\b|shared/|specification §")]
    private static partial Regex OutsidePattern();

    [GeneratedRegex(@"(?:(?:docs/)?methods\.md#|MethodsLink\("")(?<anchor>[\w-]+)")]
    private static partial Regex CitationPattern();

    [GeneratedRegex(@"\]\(#(?<anchor>[\w-]+)\)")]
    private static partial Regex LocalLinkPattern();
}
