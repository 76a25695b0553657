using FluentAssertions;
using Xunit;
using Xwp.Cli.Reproduction;
using Xwp.Evaluation;

namespace Xwp.Tests.Cli;

/// <summary>The verdict rules of the claims table (docs/methods.md#the-claims-table) on made-up per-image values.</summary>
public class ClaimsTests
{
    private static readonly IReadOnlyList<ReproductionMethod> Paper = ReproductionMethod.All(0).Where(m => m.PaperColumn is not null).ToList();

    /// <summary>12 images; method values base + 0.001·j, so any two methods differ in the same direction on all 12 pairs (Wilcoxon exact p = 2/4096).</summary>
    private static DatasetResult Result(Dictionary<string, double> averageDrop, Dictionary<string, double> deletion, Dictionary<string, double>? sensitivity = null)
    {
        var rows = Paper.Select(m => new MethodRow(m, SampleStatistics.Of([0.5, 0.6]), 0, SampleStatistics.Of([0.5, 0.6]), [], false)).ToList();
        var result = new DatasetResult
        {
            Key = "fashion-mnist", Name = "Fashion-MNIST", Source = "test", Notes = [], TrainImages = 1, TestImages = 1, EvaluatedImages = 12,
            TestAccuracy = 0.9, ModelReused = false, Rows = rows,
        };
        foreach (var m in Paper)
        {
            result.Scores[(m.Key, "average_drop")] = Values(m.Key, Metrics.AverageDrop(), averageDrop[m.Key]);
            result.Scores[(m.Key, "deletion_auc")] = Values(m.Key, Metrics.DeletionAuc(), deletion[m.Key]);
            if (sensitivity is not null)
            {
                result.Scores[(m.Key, "max_sensitivity")] = Values(m.Key, Metrics.MaxSensitivity(Attributions.InputMagnitude()), sensitivity[m.Key]);
            }
        }

        return result;
    }

    private static MetricResult Values(string method, EvaluationMetric metric, double level) =>
        MetricResult.Create(method, metric, 784, Enumerable.Range(0, 12).Select(j => level + (0.001 * j)).ToArray(), null, 0.95);

    private static Dictionary<string, double> Levels(params double[] values) =>
        Paper.Select((m, i) => (m.Key, values[i])).ToDictionary(p => p.Key, p => p.Item2);

    [Fact]
    public void The_paper_winner_holds_when_it_beats_every_other_method_and_fails_when_one_beats_it()
    {
        // Order: OCCL, SHAP, RISE, IG, LRP, XWP, XWP^c. The paper's Fashion-MNIST winners: IG on both metrics.
        var result = Result(Levels(0.5, 0.5, 0.5, 0.9, 0.6, 0.6, 0.6), Levels(0.2, 0.2, 0.2, 0.25, 0.1, 0.3, 0.3));
        var claims = Claims.For(result);
        claims.Single(c => c.Claim == "Table 1: IG has the best Average Drop").Verdict.Should().Be(Claims.Holds);
        var deletion = claims.Single(c => c.Claim == "Table 1: IG has the best Deletion AUC");
        deletion.Verdict.Should().Be(Claims.DoesNotHold, "LRP's AUC is lower on every image");
        deletion.Evidence.Should().Contain("significantly worse than OCCL, SHAP, RISE, LRP");
        deletion.Value.Should().StartWith("IG 0.256 ", "the mean of 0.25 + 0.001·j, j = 0…11, is 0.2555");

        // XWP (0.3) is beaten on Deletion AUC by all five at 0.2/0.25/0.1 and tied with XWP^c: 5 of 6 ≥ half → does not hold.
        claims.Single(c => c.Claim == "XWP is strong in Deletion AUC").Verdict.Should().Be(Claims.DoesNotHold);
        // XWP^c (0.6) on AD: only IG is better (1 of 6 < half), and it is not the best → mixed.
        claims.Single(c => c.Claim == "XWP^c excels in Average Drop").Verdict.Should().Be(Claims.Mixed);
    }

    [Fact]
    public void A_tie_with_the_best_makes_the_winner_claim_mixed_and_a_strong_claim_hold()
    {
        // IG and LRP equal on AD (every difference is 0: no test can separate them).
        var result = Result(Levels(0.5, 0.5, 0.5, 0.9, 0.9, 0.6, 0.9), Levels(0.2, 0.2, 0.2, 0.05, 0.1, 0.05, 0.3));
        var claims = Claims.For(result);
        claims.Single(c => c.Claim == "Table 1: IG has the best Average Drop").Verdict.Should().Be(Claims.Mixed);
        claims.Single(c => c.Claim == "XWP^c excels in Average Drop").Verdict.Should().Be(Claims.Holds);
        claims.Single(c => c.Claim == "XWP is strong in Deletion AUC").Verdict.Should().Be(Claims.Holds);
    }

    [Fact]
    public void Fluctuations_hold_only_when_every_competitor_is_more_sensitive_than_both_xwp_maps()
    {
        var ad = Levels(0.5, 0.5, 0.5, 0.9, 0.6, 0.6, 0.6);
        var del = Levels(0.2, 0.2, 0.2, 0.25, 0.1, 0.3, 0.3);
        var all = Claims.For(Result(ad, del, Levels(0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.2)));
        all.Single(c => c.Claim == "Competing methods exhibit significant fluctuations").Verdict.Should().Be(Claims.Holds);
        all.Single(c => c.Claim == "XWP/XWP^c show greater stability").Verdict.Should().Be(Claims.Holds);

        var some = Claims.For(Result(ad, del, Levels(0.5, 0.5, 0.05, 0.5, 0.5, 0.1, 0.2)));
        some.Single(c => c.Claim == "Competing methods exhibit significant fluctuations").Verdict.Should().Be(Claims.Mixed);
        some.Single(c => c.Claim == "XWP/XWP^c show greater stability").Verdict.Should().Be(Claims.DoesNotHold, "RISE is less sensitive than XWP");

        var none = Claims.For(Result(ad, del, Levels(0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2)));
        none.Single(c => c.Claim == "Competing methods exhibit significant fluctuations").Verdict.Should().Be(Claims.DoesNotHold);
    }
}

/// <summary>Ranks and spreads of the seed study.</summary>
public class SeedStudyTests
{
    [Fact]
    public void Ranks_put_the_best_first_share_ties_and_spreads_use_n_minus_1()
    {
        // Seed 0: AD a 0.9, b 0.8, c 0.8 → ranks 1, 2.5, 2.5 (b and c share ranks 2 and 3); seed 1: AD a 0.7, b 0.9, c 0.8 → 3, 1, 2.
        // Deletion AUC (lower is better) seed 0: 0.1, 0.2, 0.3 → 1, 2, 3; seed 1: 0.3, 0.2, 0.1 → 3, 2, 1.
        var study = new SeedStudy([0, 1], [0.9, 0.9],
        [
            new SeedMethodValues("a", "A", [0.9, 0.7], [0.1, 0.3]),
            new SeedMethodValues("b", "B", [0.8, 0.9], [0.2, 0.2]),
            new SeedMethodValues("c", "C", [0.8, 0.8], [0.3, 0.1]),
        ], TimeSpan.Zero);
        var ad = study.Ranks(true);
        ad[0].Should().Equal(1, 3);
        ad[1].Should().Equal(2.5, 1);
        ad[2].Should().Equal(2.5, 2);
        var del = study.Ranks(false);
        del[0].Should().Equal(1, 3);
        del[1].Should().Equal(2, 2);

        // Ranks of a: 1 and 3, mean 2, sd √((1 + 1)/1) = 1.414214.
        var (mean, sd) = SeedStudy.MeanSd(ad[0]);
        mean.Should().Be(2);
        sd.Should().BeApproximately(Math.Sqrt(2), 1e-12);
    }
}

/// <summary>`xwp reproduce` with the claims table and a two-seed study, at the fastest settings.</summary>
public sealed class ReproduceClaimsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-claims-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_run_with_two_seeds_writes_the_claims_table_and_seeds_files()
    {
        var settings = new ReproduceSettings { Datasets = ["tmnist-style"], Limit = 10, Epochs = 1, OutputFolder = _dir, ClaimImages = 4, SensitivitySamples = 2, Seeds = 2 };
        using var log = new StringWriter();
        Xwp.Cli.Commands.ReproduceCommand.Run(settings, new PlainProgressSink(log), CancellationToken.None).Should().Be(0);

        var markdown = File.ReadAllText(Path.Combine(_dir, "table.md"));
        markdown.Should().Contain("## The paper's claims, measured").And.Contain("XWP is strong in Deletion AUC").And.Contain("across 2 training seeds")
            .And.Contain("on the first 4 images").And.Contain("](methods.md#the-claims-table)");
        File.ReadAllText(Path.Combine(_dir, "index.html")).Should().Contain("<h2>The paper's claims, measured</h2>");

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "table.json")));
        var claims = json.RootElement.GetProperty("claims").GetProperty("claims").EnumerateArray().ToList();
        claims.Should().HaveCountGreaterThan(8);
        claims.Select(c => c.GetProperty("verdict").GetString()).Should().OnlyContain(v => v == Claims.Holds || v == Claims.DoesNotHold || v == Claims.Mixed);
        var metrics = json.RootElement.GetProperty("claims").GetProperty("metrics")[0];
        metrics.GetProperty("claim_images").GetInt32().Should().Be(4);
        var inputMagnitude = metrics.GetProperty("methods").EnumerateArray().Single(m => m.GetProperty("method").GetString() == "input-magnitude");
        // |x| ignores the model: the randomisation test's |ρ| is exactly 1.
        inputMagnitude.GetProperty("values").GetProperty("randomisation").GetProperty("mean").GetDouble().Should().Be(1);

        var seeds = File.ReadAllText(Path.Combine(_dir, "seeds.md"));
        seeds.Should().Contain("| XWP |").And.Contain("Test accuracy per seed: 0: ");
        using var seedJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "seeds.json")));
        var xwp = seedJson.RootElement.GetProperty("datasets")[0].GetProperty("methods").EnumerateArray().Single(m => m.GetProperty("method").GetString() == "xwp");
        xwp.GetProperty("average_drop").GetArrayLength().Should().Be(2);
        xwp.GetProperty("deletion_auc_rank").EnumerateArray().Should().OnlyContain(r => r.GetDouble() >= 1 && r.GetDouble() <= 7);
    }
}
