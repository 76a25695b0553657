using System.Text.Json;
using FluentAssertions;
using Xunit;
using Xwp.Cli.Commands;
using Xwp.Cli.Reproduction;

namespace Xwp.Tests.Cli;

/// <summary>`xwp reproduce` end to end at fast settings (issue 6: --limit 20 --epochs 1).</summary>
public sealed class ReproduceCommandTests : IDisposable
{
    private static readonly string[] MethodKeys =
        ["occlusion", "kernelshap", "rise", "ig", "lrp", "xwp", "xwpc", "svs", "random", "input-magnitude"];

    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-reproduce-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_fast_run_writes_every_report_file_and_a_rerun_reuses_the_model_and_maps()
    {
        var datasets = Datasets.IsFashionMnistAvailable() ? new[] { "fashion-mnist", "tmnist-style" } : ["tmnist-style"];
        var settings = new ReproduceSettings { Datasets = datasets, Limit = 20, Epochs = 1, OutputFolder = _dir };
        using var log = new StringWriter();

        ReproduceCommand.Run(settings, new PlainProgressSink(log), CancellationToken.None).Should().Be(0);

        foreach (var file in new[] { "table.md", "table.csv", "table.json", "index.html", CacheManifest.FileName })
        {
            File.Exists(Path.Combine(_dir, file)).Should().BeTrue(file);
        }

        // The report cites methods.md#…; the folder holds that file, the repository's docs/methods.md byte for byte.
        File.ReadAllText(Path.Combine(_dir, Report.MethodsFile))
            .Should().Be(File.ReadAllText(Path.Combine(Xwp.Tests.Docs.ReadmeTests.RepositoryRoot(), "docs", "methods.md")));
        File.ReadAllText(Path.Combine(_dir, "table.md")).Should().Contain("](methods.md#the-sign-of-xwpc)");

        // Each dataset has its own weights picture; no copy of one of them under another name.
        Directory.GetFiles(_dir, "*.png").Select(Path.GetFileName).Should().BeEquivalentTo(
            datasets.SelectMany(d => new[] { $"heatmaps-{d}.png", $"deletion-curves-{d}.png", $"first-layer-weights-{d}.png" }));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "table.json")));
        var results = json.RootElement.GetProperty("datasets").EnumerateArray().ToList();
        results.Select(d => d.GetProperty("key").GetString()).Should().Equal(datasets);
        foreach (var dataset in results)
        {
            var key = dataset.GetProperty("key").GetString()!;
            dataset.GetProperty("evaluated_images").GetInt32().Should().Be(20);
            dataset.GetProperty("model_reused").GetBoolean().Should().BeFalse();
            var methods = dataset.GetProperty("methods").EnumerateArray().ToDictionary(m => m.GetProperty("method").GetString()!);
            methods.Keys.Should().BeEquivalentTo(MethodKeys);
            foreach (var m in methods.Values)
            {
                foreach (var metric in new[] { "average_drop", "deletion_auc" })
                {
                    var mean = m.GetProperty(metric).GetProperty("mean").GetDouble();
                    mean.Should().BeInRange(0, 1, $"{key} {m.GetProperty("method")} {metric}");
                    m.GetProperty(metric).GetProperty("ci95").GetArrayLength().Should().Be(2);
                }

                m.GetProperty("mean_deletion_curve").GetArrayLength().Should().Be(101);
            }

            var xwp = methods["xwp"].GetProperty("deletion_auc").GetProperty("mean").GetDouble();
            var random = methods["random"].GetProperty("deletion_auc").GetProperty("mean").GetDouble();
            xwp.Should().BeLessThan(random, $"XWP must beat the random map on {key}");

            foreach (var figure in new[] { $"heatmaps-{key}.png", $"deletion-curves-{key}.png", $"first-layer-weights-{key}.png" })
            {
                var bytes = File.ReadAllBytes(Path.Combine(_dir, figure));
                bytes.Take(8).Should().Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, figure);
                bytes.Length.Should().BeGreaterThan(2000, figure);
            }
        }

        var csv = File.ReadAllLines(Path.Combine(_dir, "table.csv"));
        csv[0].Should().Be("dataset,method,label,paper_column,metric,mean,ci_low,ci_high,std,n,excluded,paper");
        csv.Should().HaveCount(1 + (datasets.Length * MethodKeys.Length * 2));
        var markdown = File.ReadAllText(Path.Combine(_dir, "table.md"));
        markdown.Should().Contain("| XWP |").And.Contain("0.473", "the paper's Fashion-MNIST XWP AUC or another paper value is shown beside ours");
        var html = File.ReadAllText(Path.Combine(_dir, "index.html"));
        html.Should().Contain("<img src=\"heatmaps-tmnist-style.png\"");
        // Every figure has a caption that explains it.
        System.Text.RegularExpressions.Regex.Matches(html, "<figure><img [^>]*><figcaption>[^<]{80,}</figcaption></figure>").Count
            .Should().Be(3 * datasets.Length);
        html.Should().Contain("(min–max)", "RISE's all-positive maps are drawn from their min to their max, and the caption says so");
        html.Should().Contain("Deletion AUC, the area under its mean curve");

        // A rerun recomputes nothing that is there and valid.
        using var again = new StringWriter();
        ReproduceCommand.Run(settings, new PlainProgressSink(again), CancellationToken.None).Should().Be(0);
        using var second = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "table.json")));
        foreach (var dataset in second.RootElement.GetProperty("datasets").EnumerateArray())
        {
            dataset.GetProperty("model_reused").GetBoolean().Should().BeTrue();
            dataset.GetProperty("methods").EnumerateArray().Should().OnlyContain(m => m.GetProperty("maps_reused").GetBoolean());
        }

        again.ToString().Should().NotContain("explain with");
    }
}
