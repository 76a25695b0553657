using System.Globalization;

namespace Xwp.Cli.Reproduction;

/// <summary>One claim of the paper beside the metric that tests it, our value and a verdict (docs/methods.md#the-claims-table).</summary>
internal sealed record ClaimRow(string Dataset, string Claim, string Metric, string Value, string Verdict, string Evidence);

/// <summary>
/// The claims table: each claim of the paper, the metric that tests it and a one-word verdict by the rules of
/// docs/methods.md#the-claims-table. Comparisons between methods are paired Wilcoxon signed-rank tests on the
/// same images at the 5% level (<see cref="PairedComparison"/>); seed statistics are descriptive.
/// </summary>
internal static class Claims
{
    public const string Holds = "holds";
    public const string DoesNotHold = "does not hold";
    public const string Mixed = "mixed";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The claims for one dataset's results.</summary>
    public static IReadOnlyList<ClaimRow> For(DatasetResult r)
    {
        var rows = new List<ClaimRow>();
        var paper = r.Rows.Where(row => row.Method.PaperColumn is not null).Select(row => row.Method).ToList();
        if (paper.Count == 0)
        {
            return rows;
        }

        string Label(string key) => paper.First(m => m.Key == key).ShortLabel;
        var ours = new[] { "xwp", "xwpc" }.Where(k => paper.Any(m => m.Key == k)).ToArray();
        var competitors = paper.Select(m => m.Key).Except(ours).ToArray();

        foreach (var (metric, display, higher) in new[] { ("average_drop", "Average Drop", true), ("deletion_auc", "Deletion AUC", false) })
        {
            var winner = paper
                .Select(m => (m.Key, Value: PaperTable.For(r.Key, m.PaperColumn)))
                .Where(p => p.Value is not null)
                .OrderBy(p => higher ? -Value(p.Value!.Value, metric) : Value(p.Value!.Value, metric))
                .Select(p => p.Key)
                .FirstOrDefault();
            if (winner is not null && r.Scores.ContainsKey((winner, metric)))
            {
                var others = paper.Select(m => m.Key).Where(k => k != winner).ToArray();
                var (verdict, evidence) = Best(r, metric, winner, others, Label);
                rows.Add(new ClaimRow(r.Name, $"Table 1: {Label(winner)} has the best {display}", $"{display} {(higher ? "↑" : "↓")}", Stat(r, winner, metric, Label), verdict, evidence));
            }
        }

        if (ours.Contains("xwp") && r.Scores.ContainsKey(("xwp", "deletion_auc")))
        {
            var (verdict, evidence) = Strong(r, "deletion_auc", "xwp", paper.Select(m => m.Key).Where(k => k != "xwp").ToArray(), Label);
            rows.Add(new ClaimRow(r.Name, "XWP is strong in Deletion AUC", "Deletion AUC ↓", Stat(r, "xwp", "deletion_auc", Label), verdict, evidence));
        }

        if (ours.Contains("xwpc") && r.Scores.ContainsKey(("xwpc", "average_drop")))
        {
            var (verdict, evidence) = Strong(r, "average_drop", "xwpc", paper.Select(m => m.Key).Where(k => k != "xwpc").ToArray(), Label);
            rows.Add(new ClaimRow(r.Name, "XWP^c excels in Average Drop", "Average Drop ↑", Stat(r, "xwpc", "average_drop", Label), verdict, evidence));
        }

        if (ours.Length > 0 && competitors.Length > 0)
        {
            foreach (var (metric, display, claim) in new[]
            {
                ("sparseness", "Sparseness (Gini) ↑", "XWP/XWP^c give the cleanest heatmaps"),
                ("complexity", "Complexity (entropy) ↓", "XWP/XWP^c give the cleanest heatmaps"),
                ("max_sensitivity", "Max-Sensitivity ↓", "XWP/XWP^c show greater stability"),
            })
            {
                if (!ours.All(k => r.Scores.ContainsKey((k, metric))))
                {
                    continue;
                }

                var best = BetterOf(r, metric, ours);
                var (verdict, evidence) = Best(r, metric, best, competitors, Label);
                rows.Add(new ClaimRow(r.Name, claim, display, Stat(r, best, metric, Label), verdict, evidence));
            }

            if (ours.All(k => r.Scores.ContainsKey((k, "max_sensitivity"))))
            {
                var (verdict, evidence) = Fluctuations(r, ours, competitors, Label);
                var worst = competitors.OrderBy(k => r.Scores[(k, "max_sensitivity")].Mean).Last();
                rows.Add(new ClaimRow(r.Name, "Competing methods exhibit significant fluctuations", "Max-Sensitivity ↓", Stat(r, worst, "max_sensitivity", Label), verdict, evidence));
            }
        }

        if (r.Seeds is { } seeds && ours.Length > 0)
        {
            rows.AddRange(SeedClaims(r.Name, seeds, ours));
        }

        return rows;
    }

    private static double Value((double AverageDrop, double DeletionAuc) paper, string metric) =>
        metric == "average_drop" ? paper.AverageDrop : paper.DeletionAuc;

    /// <summary>"XWP 0.023 [0.021, 0.025]".</summary>
    private static string Stat(DatasetResult r, string key, string metric, Func<string, string> label)
    {
        var s = r.Scores[(key, metric)].Statistics;
        return string.Create(Inv, $"{label(key)} {s.Mean:0.000} {s.Interval}");
    }

    /// <summary>Of <paramref name="keys"/>, the one with the better mean.</summary>
    private static string BetterOf(DatasetResult r, string metric, IReadOnlyList<string> keys)
    {
        var higher = r.Scores[(keys[0], metric)].Direction == MetricDirection.HigherIsBetter;
        return keys.OrderBy(k => higher ? -r.Scores[(k, metric)].Mean : r.Scores[(k, metric)].Mean).First();
    }

    /// <summary>Who is significantly better than whom: (others that beat <paramref name="key"/>, others it beats).</summary>
    private static (List<string> BeatenBy, List<string> Beats) Compare(DatasetResult r, string metric, string key, IEnumerable<string> others)
    {
        var beatenBy = new List<string>();
        var beats = new List<string>();
        foreach (var other in others)
        {
            var c = PairedComparison.Of(r.Scores[(key, metric)], r.Scores[(other, metric)]);
            if (c.Better == other)
            {
                beatenBy.Add(other);
            }
            else if (c.Better == key)
            {
                beats.Add(other);
            }
        }

        return (beatenBy, beats);
    }

    /// <summary>"Is the best": holds when significantly better than every other, does not hold when any other is significantly better, else mixed.</summary>
    private static (string Verdict, string Evidence) Best(DatasetResult r, string metric, string key, string[] others, Func<string, string> label)
    {
        var (beatenBy, beats) = Compare(r, metric, key, others);
        var verdict = beats.Count == others.Length ? Holds : beatenBy.Count > 0 ? DoesNotHold : Mixed;
        return (verdict, Evidence(label(key), beats, beatenBy, others.Length, label));
    }

    /// <summary>"Is strong / excels": holds when no other is significantly better, does not hold when half or more are, else mixed.</summary>
    private static (string Verdict, string Evidence) Strong(DatasetResult r, string metric, string key, string[] others, Func<string, string> label)
    {
        var (beatenBy, beats) = Compare(r, metric, key, others);
        var verdict = beatenBy.Count == 0 ? Holds : 2 * beatenBy.Count >= others.Length ? DoesNotHold : Mixed;
        return (verdict, Evidence(label(key), beats, beatenBy, others.Length, label));
    }

    /// <summary>
    /// "Competing methods fluctuate": holds when every competitor is significantly more sensitive than both XWP and XWP^c,
    /// does not hold when none is more sensitive than either, else mixed.
    /// </summary>
    private static (string Verdict, string Evidence) Fluctuations(DatasetResult r, string[] ours, string[] competitors, Func<string, string> label)
    {
        var moreThanAll = competitors.Where(c => ours.All(o => Compare(r, "max_sensitivity", o, [c]).Beats.Count == 1)).ToList();
        var moreThanAny = competitors.Where(c => ours.Any(o => Compare(r, "max_sensitivity", o, [c]).Beats.Count == 1)).ToList();
        var verdict = moreThanAll.Count == competitors.Length ? Holds : moreThanAny.Count == 0 ? DoesNotHold : Mixed;
        var evidence = $"{moreThanAll.Count} of {competitors.Length} competitors are significantly more sensitive than both {string.Join(" and ", ours.Select(label))}" +
                       (moreThanAll.Count > 0 ? $" ({string.Join(", ", moreThanAll.Select(label))})" : "");
        return (verdict, evidence);
    }

    private static string Evidence(string name, List<string> beats, List<string> beatenBy, int others, Func<string, string> label) =>
        $"{name} significantly better than {beats.Count} of {others}" +
        (beatenBy.Count > 0 ? $"; significantly worse than {string.Join(", ", beatenBy.Select(label))}" : "; significantly worse than none");

    /// <summary>Descriptive seed claims: the standard deviation over seeds of each method's values and ranks.</summary>
    private static IEnumerable<ClaimRow> SeedClaims(string dataset, SeedStudy seeds, string[] ours)
    {
        var n = seeds.Seeds.Count;
        foreach (var (ad, display) in new[] { (true, "Average Drop"), (false, "Deletion AUC") })
        {
            var sds = seeds.Methods.ToDictionary(m => m.Key, m => SeedStudy.MeanSd(ad ? m.AverageDrop : m.DeletionAuc).Sd);
            var rankSds = seeds.Methods.Zip(seeds.Ranks(ad)).ToDictionary(p => p.First.Key, p => SeedStudy.MeanSd(p.Second).Sd);
            string L(string key) => seeds.Methods.First(m => m.Key == key).Label;
            var present = ours.Where(sds.ContainsKey).ToArray();
            var competitors = sds.Keys.Except(ours).ToArray();
            if (present.Length == 0 || competitors.Length == 0)
            {
                continue;
            }

            var best = present.OrderBy(k => sds[k]).First();
            var median = Median(competitors.Select(k => sds[k]));
            var verdict = competitors.All(k => sds[best] < sds[k]) ? Holds : sds[best] > median ? DoesNotHold : Mixed;
            yield return new ClaimRow(dataset, $"XWP/XWP^c show greater stability (across {n} training seeds)", $"sd of {display} over seeds ↓",
                string.Create(Inv, $"{L(best)} sd {sds[best]:0.0000}"), verdict,
                string.Create(Inv, $"competitors' sd {string.Join(", ", competitors.Select(k => $"{L(k)} {sds[k]:0.0000}"))}"));

            var oursRank = present.Max(k => rankSds[k]);
            var fluctuating = competitors.Count(k => rankSds[k] > oursRank);
            var rankVerdict = fluctuating == competitors.Length ? Holds : fluctuating == 0 ? DoesNotHold : Mixed;
            yield return new ClaimRow(dataset, $"Competing methods exhibit significant fluctuations (across {n} training seeds)", $"sd of the {display} rank over seeds",
                string.Create(Inv, $"{string.Join(", ", present.Select(k => $"{L(k)} {rankSds[k]:0.00}"))}"), rankVerdict,
                string.Create(Inv, $"{fluctuating} of {competitors.Length} competitors' ranks vary more: {string.Join(", ", competitors.Select(k => $"{L(k)} {rankSds[k]:0.00}"))}"));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
