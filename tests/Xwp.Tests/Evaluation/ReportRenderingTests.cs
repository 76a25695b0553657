using System.Text.Json;
using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

public class ReportRenderingTests
{
    private static EvaluationReport Report(double level = 0.95)
    {
        using var model = TinyNets.ThreeTwoTwo();
        // Row 0 of the "underflow" image is excluded from Average Drop (target probability σ(-200) = 0).
        using var x = tensor(new float[] { 1, 2, 1, 0, 1, 1, 200, 0, 0 }, [3, 3]);
        using var t = tensor(new long[] { 0, 1, 1 });
        using var a = tensor(new float[] { 0.5f, 0.9f, 0.1f, -1, 3, 3, 1, 0, 0 }, [3, 3]);
        using var b = tensor(new float[] { 0.1f, 0.2f, 0.3f, 3, 2, 1, 0, 0, 1 }, [3, 3]);
        return model.Evaluate(x, t)
            .WithMaps("a", a)
            .WithMaps("b, quoted", b)
            .Metrics(Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1 }), Metrics.AverageDrop())
            .WithOptions(new EvaluationOptions { ConfidenceLevel = level })
            .Run();
    }

    [Fact]
    public void Markdown_has_a_row_per_method_a_column_per_metric_with_directions_and_the_settings()
    {
        var text = Report().ToMarkdown();
        var lines = text.Split('\n');
        lines[0].Should().Be("| method | Deletion AUC ↓ | Average Drop (removal) ↑ |");
        lines[1].Should().Be("|---|---:|---:|");
        lines[2].Should().MatchRegex(@"^\| a \| \d\.\d{4} \[-?\d\.\d{4}, \d\.\d{4}\] \| \d\.\d{4} \[(n/a|-?\d\.\d{4}, \d\.\d{4})\] \|$");
        lines[3].Should().StartWith("| b, quoted |");
        text.Should().Contain("3 images; mean [95% CI, Student t-interval of the mean, clipped to the metric's range]");
        text.Should().Contain("- deletion_auc: features_per_step = 1; steps = 3;");
        text.Should().Contain("- average_drop of a: 1 image(s) excluded");
    }

    [Fact]
    public void Csv_has_a_header_and_one_quoted_line_per_result()
    {
        var lines = Report().ToCsv().TrimEnd('\n').Split('\n');
        lines[0].Should().Be("method,metric,direction,n,excluded,mean,std,ci_low,ci_high,confidence_level,settings");
        lines.Should().HaveCount(5);
        lines[1].Should().StartWith("a,deletion_auc,lower_is_better,3,0,");
        lines[2].Should().StartWith("a,average_drop,higher_is_better,2,1,");
        lines[3].Should().StartWith("\"b, quoted\",deletion_auc,");
    }

    [Fact]
    public void Json_nests_methods_and_metrics_and_writes_nan_as_null()
    {
        var report = Report(level: 0.9);
        using var json = JsonDocument.Parse(report.ToJson(includeValues: true, includeCurves: true));
        var root = json.RootElement;
        root.GetProperty("images").GetInt32().Should().Be(3);
        root.GetProperty("confidence_level").GetDouble().Should().Be(0.9);
        var a = root.GetProperty("methods").GetProperty("a");
        a.GetProperty("deletion_auc").GetProperty("mean").GetDouble().Should().BeApproximately(report["a", "deletion_auc"].Mean, 1e-12);
        a.GetProperty("deletion_auc").GetProperty("ci90").GetArrayLength().Should().Be(2);
        a.GetProperty("deletion_auc").GetProperty("direction").GetString().Should().Be("lower_is_better");
        a.GetProperty("deletion_auc").GetProperty("curves").GetArrayLength().Should().Be(3);
        a.GetProperty("average_drop").GetProperty("values")[2].ValueKind.Should().Be(JsonValueKind.Null);
        a.GetProperty("average_drop").GetProperty("excluded").GetInt32().Should().Be(1);

        using var flat = JsonDocument.Parse(report.ToJson("a"));
        flat.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("deletion_auc", "average_drop");
        ((Action)(() => report.ToJson("nope"))).Should().Throw<KeyNotFoundException>().WithMessage("*a, b, quoted*");
    }

    [Fact]
    public void Comparisons_render_the_same_estimate_interval_and_p_in_markdown_csv_and_json()
    {
        var report = Report();
        var comparisons = report.CompareAll();
        comparisons.Select(c => (c.Metric, c.MethodA, c.MethodB)).Should().Equal(
            ("deletion_auc", "a", "b, quoted"), ("average_drop", "a", "b, quoted"));
        var deletion = comparisons[0];

        var markdown = report.ComparisonsToMarkdown().Split('\n');
        markdown[0].Should().Be("| metric | A − B | Hodges–Lehmann [95% CI] | mean difference | pairs | Wilcoxon p | better (α = 0.05) |");
        markdown[2].Should().StartWith($"| deletion_auc | a − b, quoted | {deletion.HodgesLehmannEstimate:0.0000} {deletion.HodgesLehmannInterval} |");

        var csv = report.ComparisonsToCsv().Split('\n');
        csv[0].Should().Be("metric,method_a,method_b,direction,pairs,nonzero_pairs,hodges_lehmann,ci_low,ci_high,confidence_level,mean_difference,w_plus,z,p_value,exact,alpha,significant,better");
        csv[1].Should().StartWith("deletion_auc,a,\"b, quoted\",lower_is_better,3,");
        // Three pairs: the smallest two-sided exact p is 2/8, so the interval is unbounded on both sides.
        csv[1].Should().Contain(",-inf,inf,0.95,");

        using var json = JsonDocument.Parse(report.ToJson(includeComparisons: true));
        var first = json.RootElement.GetProperty("comparisons")[0];
        first.GetProperty("hodges_lehmann").GetDouble().Should().Be(deletion.HodgesLehmannEstimate);
        first.GetProperty("ci95")[0].ValueKind.Should().Be(JsonValueKind.Null);
        first.GetProperty("p_value").GetDouble().Should().Be(deletion.PValue);
        JsonDocument.Parse(report.ToJson()).RootElement.TryGetProperty("comparisons", out _).Should().BeFalse();
    }

    [Fact]
    public void Missing_pairs_name_what_the_report_has()
    {
        var act = () => Report()["a", "insertion_auc"];
        act.Should().Throw<KeyNotFoundException>().WithMessage("*insertion_auc*deletion_auc, average_drop*");
    }
}
