using System.Globalization;
using System.Text;
using System.Text.Json;
using Xwp.Plotting;

namespace Xwp.Cli.Reproduction;

/// <summary>The protocol study's files: protocols.md, protocols.json, protocols.csv and one picture per dataset.</summary>
internal static class ProtocolReport
{
    /// <summary>Rows of the ranking protocols.md shows per dataset (all of them are in the JSON and CSV).</summary>
    public const int TopRows = 15;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the files when some dataset was studied; returns their names (none otherwise).</summary>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<DatasetResult> results)
    {
        var studies = results.Where(r => r.Study is not null).Select(r => r.Study!).ToList();
        if (studies.Count == 0)
        {
            return [];
        }

        var files = new List<string> { "protocols.md", "protocols.json", "protocols.csv" };
        foreach (var study in studies)
        {
            var picture = PictureName(study.DatasetKey);
            var best = study.Best;
            PaperComparisonPlot.SavePng(
                Path.Combine(folder, picture),
                study.Columns,
                [
                    new PaperComparisonPanel(string.Create(Inv, $"Average Drop ↑ (RMSE {best.RmseAverageDrop:0.000}, ρ {best.SpearmanAverageDrop:0.00})"), study.PaperAverageDrop, best.AverageDrop),
                    new PaperComparisonPanel(string.Create(Inv, $"Deletion AUC ↓ (RMSE {best.RmseDeletionAuc:0.000}, ρ {best.SpearmanDeletionAuc:0.00})"), study.PaperDeletionAuc, best.DeletionAuc),
                ],
                new PaperComparisonPlotOptions { Title = $"{study.DatasetName}: the closest protocol against the paper's Table 1", Width = 1100 });
            files.Add(picture);
        }

        Report.WriteAtomically(Path.Combine(folder, "protocols.md"), Markdown(studies));
        Report.WriteAtomically(Path.Combine(folder, "protocols.json"), Json(studies));
        Report.WriteAtomically(Path.Combine(folder, "protocols.csv"), Csv(studies));
        return files;
    }

    public static string PictureName(string datasetKey) => $"protocol-vs-paper-{datasetKey}.png";

    private static string Markdown(IReadOnlyList<ProtocolStudyResult> studies)
    {
        var b = new StringBuilder();
        b.AppendLine("# Which evaluation protocol explains the paper's Table 1?");
        b.AppendLine();
        b.AppendLine("The paper does not publish how it removes pixels, how many deletion steps it takes or what its curves record. " +
                     "This study re-scores the saved maps of the seven methods of Table 1 under every protocol of the grid below and ranks the " +
                     "protocols by their distance to the paper's numbers (" + Report.MethodsLink("the-protocol-study") + ").");
        b.AppendLine();
        b.AppendLine("- **Removal value** (both metrics): " + string.Join(", ", Enum.GetValues<RemovalKind>().Select(Protocol.RemovalLabel)) + ".");
        b.AppendLine("- **Average Drop fraction**: " + string.Join(", ", ProtocolStudy.AverageDropFractions.Select(f => string.Create(Inv, $"{f * 100:0}%"))) + ".");
        b.AppendLine("- **Deletion step**: 1 feature or 1% of the features. **Truncation**: " +
                     string.Join(", ", ProtocolStudy.Truncations().Select(t => t.ToString())) +
                     $" (plateau: the step from which a mean curve stays within {PlateauRule.Band * 100:0}% of its range around its final value — " +
                     $"of the first of the seven curves to settle, or of the last; flattened: the step from which no mean curve falls by more than " +
                     $"{PlateauRule.Band * 100:0}% of its range over the next {ProtocolStudy.PlateauWindow * 100:0}% of the features). **x axis**: scaled over the steps run, or over all features. " +
                     "**Score**: the target's softmax probability or its logit.");
        b.AppendLine("- **Distance**: RMSE over the seven methods per metric, and their combination sqrt((RMSE_AD² + RMSE_AUC²)/2), the RMSE over all 14 numbers, " +
                     "which ranks the protocols. **ρ**: Spearman's rank correlation of our values with the paper's, per metric (1 = the same ordering of methods).");
        foreach (var s in studies)
        {
            b.AppendLine();
            b.AppendLine($"## {s.DatasetName}");
            b.AppendLine();
            b.AppendLine(Inv, $"{s.Images} images, {s.Entries.Count} protocols from {s.CurveRuns} curve runs in {s.Elapsed.TotalSeconds:F1} s. " +
                              $"Our default protocol ({Protocol.Default}) is number {Rank(s, s.Default)}: distance {s.Default.Distance:0.000} " +
                              $"(RMSE AD {s.Default.RmseAverageDrop:0.000}, Deletion AUC {s.Default.RmseDeletionAuc:0.000}).");
            b.AppendLine();
            b.AppendLine("### Closest protocols");
            b.AppendLine();
            Table(b, s, s.Entries.Take(TopRows));
            b.AppendLine();
            b.AppendLine("### The closest protocol, method by method");
            b.AppendLine();
            b.AppendLine($"{s.Best.Protocol} (deletion: {s.Best.Steps} steps, {s.Best.FeaturesRemoved} features).");
            b.AppendLine();
            b.AppendLine("| method | AD ours | AD paper | Deletion AUC ours | Deletion AUC paper |");
            b.AppendLine("|---|---:|---:|---:|---:|");
            for (var i = 0; i < s.Columns.Count; i++)
            {
                b.AppendLine(Inv, $"| {s.Columns[i]} | {s.Best.AverageDrop[i]:0.000} | {s.PaperAverageDrop[i]:0.000} | {s.Best.DeletionAuc[i]:0.000} | {s.PaperDeletionAuc[i]:0.000} |");
            }

            b.AppendLine();
            b.AppendLine($"![ours against the paper]({PictureName(s.DatasetKey)})");
            b.AppendLine();
            b.AppendLine("### One axis at a time, from our default protocol");
            b.AppendLine();
            Table(b, s, s.Entries.Where(e => Differences(e.Protocol, Protocol.Default) <= 1).OrderBy(e => Differences(e.Protocol, Protocol.Default)).ThenBy(e => e.Distance));
            b.AppendLine();
            b.AppendLine("### The closest protocol per removal value");
            b.AppendLine();
            Table(b, s, Enum.GetValues<RemovalKind>().Select(k => s.Entries.First(e => e.Protocol.Removal == k)));
        }

        return b.ToString();
    }

    private static void Table(StringBuilder b, ProtocolStudyResult s, IEnumerable<StudyEntry> entries)
    {
        b.AppendLine("| rank | removal | AD fraction | step | truncation | steps (features) | x axis | score | RMSE AD | RMSE AUC | distance | ρ AD | ρ AUC |");
        b.AppendLine("|---:|---|---:|---|---|---:|---|---|---:|---:|---:|---:|---:|");
        foreach (var e in entries)
        {
            var p = e.Protocol;
            b.AppendLine(Inv, $"| {Rank(s, e)} | {Protocol.RemovalLabel(p.Removal)} | {p.AverageDropFraction * 100:0}% | {p.StepLabel} | {p.Truncation} | " +
                              $"{e.Steps} ({e.FeaturesRemoved}) | {Axis(p.XAxis)} | {Score(p.Score)} | {e.RmseAverageDrop:0.000} | {e.RmseDeletionAuc:0.000} | " +
                              $"**{e.Distance:0.000}** | {Rho(e.SpearmanAverageDrop)} | {Rho(e.SpearmanDeletionAuc)} |");
        }
    }

    /// <summary>On how many axes two protocols differ.</summary>
    private static int Differences(Protocol a, Protocol b) =>
        (a.Removal != b.Removal ? 1 : 0) + (a.AverageDropFraction != b.AverageDropFraction ? 1 : 0) + (a.SingleFeatureSteps != b.SingleFeatureSteps ? 1 : 0) +
        (a.Truncation != b.Truncation ? 1 : 0) + (a.XAxis != b.XAxis ? 1 : 0) + (a.Score != b.Score ? 1 : 0);

    private static int Rank(ProtocolStudyResult s, StudyEntry e) => IndexOf(s.Entries, e) + 1;

    private static int IndexOf(IReadOnlyList<StudyEntry> entries, StudyEntry e)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (ReferenceEquals(entries[i], e))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Axis(CurveAxis axis) => axis == CurveAxis.StepsRun ? "steps run" : "all features";

    private static string Score(CurveScore score) => score == CurveScore.Probability ? "probability" : "logit";

    private static string Rho(double rho) => double.IsNaN(rho) ? "—" : (Math.Abs(rho) < 0.005 ? 0 : rho).ToString("0.00", Inv);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Json(IReadOnlyList<ProtocolStudyResult> studies)
    {
        var document = new
        {
            grid = new
            {
                removal_values = Enum.GetValues<RemovalKind>().Select(Protocol.RemovalLabel),
                average_drop_fractions = ProtocolStudy.AverageDropFractions,
                deletion_steps = new[] { "1 feature", "1%" },
                truncations = ProtocolStudy.Truncations().Select(t => t.ToString()),
                plateau_band = PlateauRule.Band,
                x_axes = new[] { "steps run", "all features" },
                scores = new[] { "probability", "logit" },
                distance = "sqrt((rmse_average_drop^2 + rmse_deletion_auc^2) / 2)",
            },
            datasets = studies.Select(s => new
            {
                key = s.DatasetKey,
                name = s.DatasetName,
                images = s.Images,
                curve_runs = s.CurveRuns,
                seconds = s.Elapsed.TotalSeconds,
                methods = s.Columns,
                paper = new { average_drop = s.PaperAverageDrop, deletion_auc = s.PaperDeletionAuc },
                default_rank = Rank(s, s.Default),
                protocols = s.Entries.Select((e, i) => new
                {
                    rank = i + 1,
                    description = e.Protocol.ToString(),
                    removal = Protocol.RemovalLabel(e.Protocol.Removal),
                    average_drop_fraction = e.Protocol.AverageDropFraction,
                    deletion_step = e.Protocol.StepLabel,
                    truncation = e.Protocol.Truncation.ToString(),
                    steps = e.Steps,
                    features_removed = e.FeaturesRemoved,
                    x_axis = Axis(e.Protocol.XAxis),
                    score = Score(e.Protocol.Score),
                    average_drop = e.AverageDrop,
                    deletion_auc = e.DeletionAuc,
                    rmse_average_drop = e.RmseAverageDrop,
                    rmse_deletion_auc = e.RmseDeletionAuc,
                    distance = e.Distance,
                    spearman_average_drop = Finite(e.SpearmanAverageDrop),
                    spearman_deletion_auc = Finite(e.SpearmanDeletionAuc),
                }),
            }),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Csv(IReadOnlyList<ProtocolStudyResult> studies)
    {
        var columns = studies[0].Columns;
        var b = new StringBuilder("dataset,rank,removal,average_drop_fraction,deletion_step,truncation,steps,features_removed,x_axis,score," +
                                  "rmse_average_drop,rmse_deletion_auc,distance,spearman_average_drop,spearman_deletion_auc," +
                                  string.Join(",", columns.Select(c => "ad_" + c)) + "," + string.Join(",", columns.Select(c => "auc_" + c)) + "\n");
        foreach (var s in studies)
        {
            for (var i = 0; i < s.Entries.Count; i++)
            {
                var e = s.Entries[i];
                var p = e.Protocol;
                b.Append(Inv, $"{s.DatasetKey},{i + 1},{Protocol.RemovalLabel(p.Removal)},{p.AverageDropFraction:R},{p.StepLabel},{p.Truncation},{e.Steps},{e.FeaturesRemoved}," +
                                  $"{Axis(p.XAxis)},{Score(p.Score)},{e.RmseAverageDrop:R},{e.RmseDeletionAuc:R},{e.Distance:R}," +
                                  $"{(double.IsNaN(e.SpearmanAverageDrop) ? "" : e.SpearmanAverageDrop.ToString("R", Inv))}," +
                                  $"{(double.IsNaN(e.SpearmanDeletionAuc) ? "" : e.SpearmanDeletionAuc.ToString("R", Inv))},");
                b.AppendLine(string.Join(",", e.AverageDrop.Concat(e.DeletionAuc).Select(v => v.ToString("R", Inv))));
            }
        }

        return b.ToString();
    }
}
