using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Cli.Reproduction;

namespace Xwp.Tests.Cli;

/// <summary>
/// `xwp reproduce --protocol-study` and `--protocol paper-like` on a rerun of the small clean run of
/// <see cref="ReproduceCacheTests"/> (10 TMNIST-style images, 1 epoch): the study scores the cached maps, and
/// the preset changes how the table is scored and says so.
/// </summary>
public sealed class ProtocolStudyRunTests : IClassFixture<ReproduceCacheTests.CleanRun>, IDisposable
{
    private readonly ReproduceCacheTests.CleanRun _clean;
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-protocol-study-").FullName;

    public ProtocolStudyRunTests(ReproduceCacheTests.CleanRun clean)
    {
        _clean = clean;
        foreach (var file in Directory.EnumerateFiles(clean.Folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_dir, Path.GetRelativePath(clean.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_study_rescores_the_cached_maps_without_recomputing_any()
    {
        var log = Rerun(ReproduceCacheTests.CleanRun.Settings(_dir) with { ProtocolStudy = true });

        log.Should().Contain("[tmnist-style] cache: reused model.xwp; reused all 10 maps");
        log.Should().NotContain("explain with").And.NotContain("train 784");
        log.Should().Contain("[tmnist-style] protocol study: 70 curve runs on the cached maps");
        File.ReadAllText(Path.Combine(_dir, "table.csv")).Should().Be(_clean.Table, "the study leaves Table 1 as it was");
        foreach (var file in new[] { "protocols.md", "protocols.json", "protocols.csv", ProtocolReport.PictureName("tmnist-style") })
        {
            File.Exists(Path.Combine(_dir, file)).Should().BeTrue(file);
        }

        // The study's entry for our default protocol, read off the mean single-feature curves, is Table 1 itself.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "protocols.json")));
        var dataset = json.RootElement.GetProperty("datasets")[0];
        var entries = dataset.GetProperty("protocols").EnumerateArray().ToList();
        var rank = dataset.GetProperty("default_rank").GetInt32();
        var byDefault = entries[rank - 1];
        byDefault.GetProperty("description").GetString().Should().Be(Protocol.Default.ToString());
        var table = TableMeans();
        var columns = dataset.GetProperty("methods").EnumerateArray().Select(c => c.GetString()!).ToList();
        columns.Should().Equal("OCCL", "SHAP", "RISE", "IG", "LRP", "XWP", "XWP^c");
        for (var i = 0; i < columns.Count; i++)
        {
            byDefault.GetProperty("average_drop")[i].GetDouble().Should().BeApproximately(table[(columns[i], "average_drop")], 1e-9, columns[i]);
            byDefault.GetProperty("deletion_auc")[i].GetDouble().Should().BeApproximately(table[(columns[i], "deletion_auc")], 1e-5, columns[i]);
        }

        entries.Select(e => e.GetProperty("distance").GetDouble()).Should().BeInAscendingOrder();
        File.ReadAllText(Path.Combine(_dir, "protocols.md")).Should().Contain("### Closest protocols").And.Contain("### One axis at a time");
    }

    [Fact]
    public void Paper_like_changes_the_tables_protocol_line_and_its_values()
    {
        var log = Rerun(ReproduceCacheTests.CleanRun.Settings(_dir) with { Protocol = Protocol.PaperLike, ProtocolName = "paper-like" });

        log.Should().Contain("reused all 10 maps");
        var markdown = File.ReadAllText(Path.Combine(_dir, "table.md"));
        markdown.Should().Contain("protocol 'paper-like': " + Protocol.PaperLike.Describe());
        markdown.Should().NotContain(Protocol.Default.Describe());
        File.ReadAllText(Path.Combine(_dir, "table.csv")).Should().NotBe(_clean.Table);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "table.json")));
        json.RootElement.GetProperty("settings").GetProperty("protocol").GetString().Should().Be("paper-like");
    }

    [Fact]
    public void An_unknown_protocol_is_a_usage_error_naming_the_presets()
    {
        var act = () => new ReproduceCommand().Run(new Arguments(["--protocol", "paperish", "--out", _dir]));
        act.Should().Throw<UsageException>().WithMessage("--protocol must be one of default, paper-like, not 'paperish'.");
    }

    /// <summary>table.csv's mean per (paper column, metric).</summary>
    private Dictionary<(string, string), double> TableMeans() =>
        File.ReadAllLines(Path.Combine(_dir, "table.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Where(f => f.Length > 5 && f[^9].Length > 0)
            .ToDictionary(f => (f[^9], f[^8]), f => double.Parse(f[^7], CultureInfo.InvariantCulture));

    private static string Rerun(ReproduceSettings settings)
    {
        using var log = new StringWriter();
        ReproduceCommand.Run(settings, new PlainProgressSink(log), CancellationToken.None).Should().Be(0);
        return log.ToString();
    }
}
