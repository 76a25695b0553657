using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Xwp.Cli.Reproduction;

/// <summary>The report's claims section (table.md, index.html, table.json) and the seed study's seeds.md/seeds.json.</summary>
internal static class ClaimsReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly (string Key, string Title)[] ExtraMetrics =
    [
        ("sparseness", "Sparseness ↑"), ("complexity", "Complexity ↓"), ("max_sensitivity", "Max-Sensitivity ↓"), ("randomisation", "Randomisation |ρ| ↓"),
    ];

    /// <summary>The settings of the claim metrics, as every claims table prints them.</summary>
    public static string Settings(ReproduceSettings s, IReadOnlyList<DatasetResult> results)
    {
        var images = string.Join("/", results.Select(r => r.ClaimImages).Distinct());
        var metrics = string.Create(Inv, $"sparseness (Gini of |a|) and complexity (entropy of |a|/Σ|a|) on all evaluated images; Max-Sensitivity (Captum's relative form, uniform L∞ noise of radius {MaxSensitivityOptions.DefaultRadius}, {s.SensitivitySamples} perturbations, seed {s.Seed}) and the cascading randomisation test (trained θ redrawn from the top layer, θ⁰ kept, seed {s.Seed}) on the first {images} images; method comparisons: paired Wilcoxon signed-rank tests at 5%; intervals: Student t, 95%, clipped to each metric's range");
        var seeds = s.Seeds > 1
            ? string.Create(Inv, $"; seed study: {s.Seeds} training seeds ({s.Seed}…{s.Seed + s.Seeds - 1}), standard deviations over seeds (descriptive)")
            : "; seed study not run (--seeds K)";
        return metrics + seeds + ". Verdict rules: " + Report.MethodsLink("the-claims-table") + ".";
    }

    /// <summary>The claims and extra-metric tables in Markdown.</summary>
    public static string Markdown(ReproduceSettings settings, IReadOnlyList<DatasetResult> results)
    {
        var b = new StringBuilder();
        b.AppendLine("## The paper's claims, measured");
        b.AppendLine();
        b.AppendLine("Settings: " + Settings(settings, results));
        b.AppendLine();
        b.AppendLine("| dataset | claim | tested by | ours (95% CI) | verdict | evidence |");
        b.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            foreach (var c in Claims.For(r))
            {
                b.AppendLine($"| {Cell(c.Dataset)} | {Cell(c.Claim)} | {Cell(c.Metric)} | {Cell(c.Value)} | **{c.Verdict}** | {Cell(c.Evidence)} |");
            }
        }

        foreach (var r in results)
        {
            b.AppendLine();
            b.AppendLine(Inv, $"### {r.Name}: the claim metrics per method (mean and 95% CI)");
            b.AppendLine();
            b.AppendLine("| method | " + string.Join(" | ", ExtraMetrics.Select(m => m.Title)) + " |");
            b.AppendLine("|---|" + string.Concat(ExtraMetrics.Select(_ => "---|")));
            foreach (var row in r.Rows)
            {
                b.Append($"| {Cell(row.Method.Display)} |");
                foreach (var (key, _) in ExtraMetrics)
                {
                    b.Append(r.Scores.TryGetValue((row.Method.Key, key), out var s) ? string.Create(Inv, $" {s.Mean:0.000} {s.Statistics.Interval} |") : " — |");
                }

                b.AppendLine();
            }
        }

        return b.ToString();
    }

    /// <summary>The claims table in HTML.</summary>
    public static string Html(ReproduceSettings settings, IReadOnlyList<DatasetResult> results)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var b = new StringBuilder();
        b.AppendLine("<h2>The paper's claims, measured</h2>");
        b.AppendLine($"<p>{E(Settings(settings, results).Replace(Report.MethodsLink("the-claims-table"), "methods.md#the-claims-table", StringComparison.Ordinal))}</p>");
        b.AppendLine("<table><tr><th>dataset</th><th>claim</th><th>tested by</th><th>ours (95% CI)</th><th>verdict</th><th>evidence</th></tr>");
        foreach (var r in results)
        {
            foreach (var c in Claims.For(r))
            {
                b.AppendLine($"<tr><td>{E(c.Dataset)}</td><td>{E(c.Claim)}</td><td>{E(c.Metric)}</td><td>{E(c.Value)}</td><td><b>{E(c.Verdict)}</b></td><td>{E(c.Evidence)}</td></tr>");
            }
        }

        b.AppendLine("</table>");
        return b.ToString();
    }

    /// <summary>The claims and the claim metrics for table.json.</summary>
    public static object Json(ReproduceSettings settings, IReadOnlyList<DatasetResult> results) => new
    {
        settings = Settings(settings, results),
        claims = results.SelectMany(Claims.For).Select(c => new { dataset = c.Dataset, claim = c.Claim, tested_by = c.Metric, ours = c.Value, verdict = c.Verdict, evidence = c.Evidence }),
        metrics = results.Select(r => new
        {
            dataset = r.Key,
            claim_images = r.ClaimImages,
            methods = r.Rows.Select(row => new
            {
                method = row.Method.Key,
                values = ExtraMetrics.Where(m => r.Scores.ContainsKey((row.Method.Key, m.Key))).ToDictionary(
                    m => m.Key,
                    m => new { mean = r.Scores[(row.Method.Key, m.Key)].Mean, ci95 = new[] { r.Scores[(row.Method.Key, m.Key)].Statistics.Interval.Lower, r.Scores[(row.Method.Key, m.Key)].Statistics.Interval.Upper }, excluded = r.Scores[(row.Method.Key, m.Key)].Excluded }),
            }),
        }),
    };

    /// <summary>Writes seeds.md and seeds.json when a seed study ran; returns their names.</summary>
    public static IReadOnlyList<string> WriteSeeds(ReproduceSettings settings, IReadOnlyList<DatasetResult> results)
    {
        var studied = results.Where(r => r.Seeds is not null).ToList();
        if (studied.Count == 0)
        {
            return [];
        }

        var b = new StringBuilder();
        b.AppendLine("# Table 1 across training seeds");
        b.AppendLine();
        b.AppendLine(string.Create(Inv, $"Each network 784-400-100-10 trained with seeds {settings.Seed}…{settings.Seed + settings.Seeds - 1} on the same data, {settings.Epochs} epochs; ") +
                          string.Create(Inv, $"the same test images, explained for each network's predicted class with the methods seeded by the training seed; protocol '{settings.ProtocolName}'. ") +
                          "Mean ± sample standard deviation over seeds of each method's mean value, and of its rank among the paper's seven methods (1 = best). " +
                          "See " + Report.MethodsLink("stability-across-training-seeds") + ".");
        foreach (var r in studied)
        {
            var s = r.Seeds!;
            b.AppendLine();
            b.AppendLine(Inv, $"## {r.Name} ({s.Seeds.Count} seeds, {s.Elapsed.TotalSeconds:F1} s for the extra seeds)");
            b.AppendLine();
            b.AppendLine("Test accuracy per seed: " + string.Join(", ", s.Seeds.Zip(s.Accuracies).Select(p => string.Create(Inv, $"{p.First}: {p.Second:P2}"))) + ".");
            b.AppendLine();
            b.AppendLine("| method | AD ↑ mean ± sd | AD rank | Deletion AUC ↓ mean ± sd | Deletion AUC rank |");
            b.AppendLine("|---|---:|---:|---:|---:|");
            var adRanks = s.Ranks(true);
            var delRanks = s.Ranks(false);
            for (var i = 0; i < s.Methods.Count; i++)
            {
                var m = s.Methods[i];
                var (adMean, adSd) = SeedStudy.MeanSd(m.AverageDrop);
                var (delMean, delSd) = SeedStudy.MeanSd(m.DeletionAuc);
                var (arMean, arSd) = SeedStudy.MeanSd(adRanks[i]);
                var (drMean, drSd) = SeedStudy.MeanSd(delRanks[i]);
                b.AppendLine(Inv, $"| {Cell(m.Label)} | {adMean:0.000} ± {adSd:0.000} | {arMean:0.0} ± {arSd:0.0} | {delMean:0.000} ± {delSd:0.000} | {drMean:0.0} ± {drSd:0.0} |");
            }
        }

        Report.WriteAtomically(Path.Combine(settings.OutputFolder, "seeds.md"), b.ToString());
        var json = new
        {
            seeds = Enumerable.Range(0, settings.Seeds).Select(i => settings.Seed + i),
            datasets = studied.Select(r =>
            {
                var s = r.Seeds!;
                var adRanks = s.Ranks(true);
                var delRanks = s.Ranks(false);
                return new
                {
                    dataset = r.Key,
                    extra_seconds = s.Elapsed.TotalSeconds,
                    test_accuracy = s.Accuracies,
                    methods = s.Methods.Select((m, i) => new
                    {
                        method = m.Key,
                        average_drop = m.AverageDrop,
                        deletion_auc = m.DeletionAuc,
                        average_drop_rank = adRanks[i],
                        deletion_auc_rank = delRanks[i],
                        average_drop_mean_sd = Pair(SeedStudy.MeanSd(m.AverageDrop)),
                        deletion_auc_mean_sd = Pair(SeedStudy.MeanSd(m.DeletionAuc)),
                        average_drop_rank_mean_sd = Pair(SeedStudy.MeanSd(adRanks[i])),
                        deletion_auc_rank_mean_sd = Pair(SeedStudy.MeanSd(delRanks[i])),
                    }),
                };
            }),
        };
        Report.WriteAtomically(Path.Combine(settings.OutputFolder, "seeds.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return ["seeds.md", "seeds.json"];
    }

    private static double[] Pair((double Mean, double Sd) p) => [p.Mean, p.Sd];

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
