using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Xwp.Cli.Reproduction;

/// <summary>
/// The report folder's text files: table.md, table.csv, table.json, index.html and methods.md (a copy of the
/// project's docs/methods.md, which the report cites, so that its links work wherever the folder is read).
/// </summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The copy of docs/methods.md that every report folder holds.</summary>
    public const string MethodsFile = "methods.md";

    private static readonly string[] PaperColumns = ["OCCL", "SHAP", "RISE", "IG", "LRP", "XWP", "XWP^c"];

    /// <summary>Writes every file; returns their names.</summary>
    public static IReadOnlyList<string> Write(ReproduceSettings settings, IReadOnlyList<DatasetResult> results, TimeSpan elapsed)
    {
        var folder = settings.OutputFolder;
        WriteAtomically(Path.Combine(folder, "table.md"), Markdown(settings, results, elapsed));
        WriteAtomically(Path.Combine(folder, "table.csv"), Csv(results));
        WriteAtomically(Path.Combine(folder, "table.json"), JsonReport(settings, results, elapsed));
        WriteAtomically(Path.Combine(folder, "index.html"), Html(settings, results, elapsed));
        WriteAtomically(Path.Combine(folder, MethodsFile), MethodsText());
        var study = ProtocolReport.Write(folder, results);
        var seeds = ClaimsReport.WriteSeeds(settings, results);
        return ["table.md", "table.csv", "table.json", "index.html", MethodsFile, .. study, .. seeds, .. results.SelectMany(r => r.Figures).Select(f => f.File).Distinct()];
    }

    /// <summary>Wall time per phase and dataset, and the warnings.</summary>
    public static string Summary(IReadOnlyList<DatasetResult> results, TimeSpan elapsed)
    {
        var b = new StringBuilder();
        b.AppendLine(Inv, $"Finished in {elapsed.TotalSeconds:F1} s.");
        foreach (var r in results)
        {
            var phases = string.Join(", ", r.PhaseTimes.Select(p => string.Create(Inv, $"{p.Key} {p.Value.TotalSeconds:F1} s")));
            var reused = r.Rows.Count(row => row.MapsReused);
            b.AppendLine(Inv, $"  {r.Key}: {phases}; accuracy {r.TestAccuracy:P2}; {r.EvaluatedImages} images; " +
                              $"{(r.ModelReused ? "model reused" : "model trained")}, {reused} of {r.Rows.Count} maps reused");
            foreach (var w in r.Warnings)
            {
                b.AppendLine(Inv, $"  warning ({r.Key}): {w}");
            }
        }

        return b.ToString().TrimEnd();
    }

    internal static void WriteAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Xwp.IO.AtomicFile.WriteText(path, text);
    }

    private static string Settings(ReproduceSettings s, IReadOnlyList<DatasetResult> results) =>
        $"{(s.Limit is null ? "all test images" : $"{s.Limit} test images per dataset (the first of each class, in file order)")}; " +
        $"explained and scored for the predicted class; protocol '{s.ProtocolName}': {s.Protocol.Describe()}; " +
        $"95% confidence intervals: Student t, clipped to each metric's range; network 784-400-100-10 ReLU, Adam 1e-3, batch 128, {s.Epochs} epochs, seed {s.Seed}.";

    private static string Markdown(ReproduceSettings settings, IReadOnlyList<DatasetResult> results, TimeSpan elapsed)
    {
        var b = new StringBuilder();
        b.AppendLine("# Xwp — reproduction of the paper's Table 1");
        b.AppendLine();
        b.AppendLine("Settings: " + Settings(settings, results));
        b.AppendLine();
        b.AppendLine("## Table 1, ours beside the paper's (AD ↑ higher is better, Deletion AUC ↓ lower is better)");
        b.AppendLine();
        b.AppendLine("| dataset | metric | | " + string.Join(" | ", PaperColumns) + " |");
        b.AppendLine("|---|---|---|" + string.Concat(PaperColumns.Select(_ => "---:|")));
        foreach (var r in results)
        {
            foreach (var (metric, pick, paper) in new (string, Func<MethodRow, SampleStatistics>, Func<(double, double), double>)[]
            {
                ("AD ↑", m => m.AverageDrop, p => p.Item1),
                ("Deletion AUC ↓", m => m.DeletionAuc, p => p.Item2),
            })
            {
                b.Append(Inv, $"| {r.Name} | {metric} | ours |");
                foreach (var column in PaperColumns)
                {
                    var row = r.Rows.FirstOrDefault(x => x.Method.PaperColumn == column);
                    b.Append(row is null ? " — |" : string.Create(Inv, $" {pick(row).Mean:0.000} |"));
                }

                b.AppendLine();
                b.Append(Inv, $"| {PaperName(r.Key)} | {metric} | paper |");
                foreach (var column in PaperColumns)
                {
                    var p = PaperTable.For(r.Key, column);
                    b.Append(p is null ? " — |" : string.Create(Inv, $" {paper(p.Value):0.000} |"));
                }

                b.AppendLine();
            }
        }

        foreach (var r in results)
        {
            b.AppendLine();
            b.AppendLine($"## {r.Name}");
            b.AppendLine();
            b.AppendLine(Inv, $"Source: {r.Source}. Training images: {r.TrainImages}; test images: {r.TestImages}; evaluated: {r.EvaluatedImages}. " +
                              $"Test accuracy: {r.TestAccuracy:P2}{(r.ModelReused ? " (saved model reused)" : "")}.");
            foreach (var note in r.Notes)
            {
                b.AppendLine($"- {note}");
            }

            b.AppendLine();
            b.AppendLine(Inv, $"| method | settings | AD@{settings.Protocol.AverageDropFraction * 100:0.#}% ↑ | 95% CI | paper | Deletion AUC ↓ | 95% CI | paper |");
            b.AppendLine("|---|---|---:|---|---:|---:|---|---:|");
            foreach (var row in r.Rows)
            {
                var p = PaperTable.For(r.Key, row.Method.PaperColumn);
                b.AppendLine(Inv, $"| {Cell(row.Method.Display)} | {Cell(row.Method.Settings)} | {row.AverageDrop.Mean:0.000} | {row.AverageDrop.Interval} | " +
                                  $"{(p is null ? "—" : p.Value.AverageDrop.ToString("0.000", Inv))} | {row.DeletionAuc.Mean:0.000} | {row.DeletionAuc.Interval} | " +
                                  $"{(p is null ? "—" : p.Value.DeletionAuc.ToString("0.000", Inv))} |");
            }

            if (r.Warnings.Count > 0)
            {
                b.AppendLine();
                foreach (var w in r.Warnings)
                {
                    b.AppendLine($"**Warning:** {w}");
                    b.AppendLine();
                }
            }
        }

        b.AppendLine();
        b.Append(ClaimsReport.Markdown(settings, results));
        b.AppendLine();
        b.AppendLine("## What differs from the paper");
        b.AppendLine();
        b.AppendLine("- The typeface digits are TMNIST-style (rendered from installed fonts with the TMNIST recipe, or the set embedded in Xwp.Data), not the Kaggle TMNIST file, unless `--tmnist` named it; the source line above says which.");
        b.AppendLine("- The paper's exact Deletion and Average Drop protocols (steps, truncation, masking) are not published; ours is stated above. Compare the *ordering* of methods, not absolute values (" + MethodsLink("what-the-paper-leaves-open") + "); `--protocol-study` measures which protocol comes closest to the paper's numbers (protocols.md) and `--protocol paper-like` scores with it.");
        b.AppendLine("- XWP^c is the \"by itself\" reading of eq. (5) (" + MethodsLink("the-sign-of-xwpc") + "); SHAP is KernelSHAP over 2×2 superpixels, with Shapley value sampling as an extra row; Random and Input magnitude are sanity rows.");
        b.AppendLine();
        b.AppendLine(Inv, $"Wall time: {elapsed.TotalSeconds:F1} s.");
        return b.ToString();
    }

    private static string Csv(IReadOnlyList<DatasetResult> results)
    {
        var b = new StringBuilder("dataset,method,label,paper_column,metric,mean,ci_low,ci_high,std,n,excluded,paper\n");
        foreach (var r in results)
        {
            foreach (var row in r.Rows)
            {
                var p = PaperTable.For(r.Key, row.Method.PaperColumn);
                foreach (var (metric, s, excluded, paper) in new[]
                {
                    ("average_drop", row.AverageDrop, row.AverageDropExcluded, p?.AverageDrop),
                    ("deletion_auc", row.DeletionAuc, 0, p?.DeletionAuc),
                })
                {
                    b.AppendLine(Inv, $"{r.Key},{row.Method.Key},\"{row.Method.Display}\",{row.Method.PaperColumn},{metric}," +
                                      $"{s.Mean:R},{s.Interval.Lower:R},{s.Interval.Upper:R},{s.StandardDeviation:R},{s.Count},{excluded},{paper?.ToString("R", Inv)}");
                }
            }
        }

        return b.ToString();
    }

    private static string JsonReport(ReproduceSettings settings, IReadOnlyList<DatasetResult> results, TimeSpan elapsed)
    {
        static object Stat(SampleStatistics s, double? paper, int excluded) => new
        {
            mean = s.Mean,
            ci95 = new[] { s.Interval.Lower, s.Interval.Upper },
            std = s.StandardDeviation,
            n = s.Count,
            excluded,
            paper,
        };

        var document = new
        {
            settings = new
            {
                description = Settings(settings, results),
                limit = settings.Limit,
                epochs = settings.Epochs,
                seed = settings.Seed,
                protocol = settings.ProtocolName,
                average_drop_fraction = settings.Protocol.AverageDropFraction,
                removal_value = Protocol.RemovalLabel(settings.Protocol.Removal),
                deletion_features_per_step = settings.Protocol.StepLabel,
                deletion_truncation = settings.Protocol.Truncation.ToString(),
                deletion_x_axis = settings.Protocol.XAxis == CurveAxis.StepsRun ? "steps run" : "all features",
                deletion_score = settings.Protocol.Score == CurveScore.Probability ? "probability" : "logit",
                target = "predicted class",
                interval = "Student t, 95%",
            },
            wall_time_seconds = elapsed.TotalSeconds,
            datasets = results.Select(r => new
            {
                key = r.Key,
                name = r.Name,
                source = r.Source,
                notes = r.Notes,
                train_images = r.TrainImages,
                test_images = r.TestImages,
                evaluated_images = r.EvaluatedImages,
                test_accuracy = r.TestAccuracy,
                model_reused = r.ModelReused,
                phase_seconds = r.PhaseTimes.ToDictionary(p => p.Key, p => p.Value.TotalSeconds),
                warnings = r.Warnings,
                methods = r.Rows.Select(row =>
                {
                    var p = PaperTable.For(r.Key, row.Method.PaperColumn);
                    return new
                    {
                        method = row.Method.Key,
                        label = row.Method.Display,
                        paper_column = row.Method.PaperColumn,
                        settings = row.Method.Settings,
                        sanity_row = row.Method.IsSanityRow,
                        maps_reused = row.MapsReused,
                        average_drop = Stat(row.AverageDrop, p?.AverageDrop, row.AverageDropExcluded),
                        deletion_auc = Stat(row.DeletionAuc, p?.DeletionAuc, 0),
                        mean_deletion_curve = row.MeanDeletionCurve,
                    };
                }),
                figures = r.Figures.Select(f => new { file = f.File, caption = f.Caption }),
            }),
            claims = ClaimsReport.Json(settings, results),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Html(ReproduceSettings settings, IReadOnlyList<DatasetResult> results, TimeSpan elapsed)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var b = new StringBuilder();
        b.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Xwp reproduction of Table 1</title>");
        b.AppendLine("<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0}" +
                     "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child,td:nth-child(2){text-align:left}" +
                     ".paper{color:#777}.warn{color:#a60}img{max-width:100%;border:1px solid #eee;margin:0.5em 0}</style></head><body>");
        b.AppendLine("<h1>Xwp — reproduction of the paper's Table 1</h1>");
        b.AppendLine($"<p>{E(Settings(settings, results))}</p>");
        foreach (var r in results)
        {
            b.AppendLine($"<h2>{E(r.Name)}</h2>");
            b.AppendLine(Inv, $"<p>Source: {E(r.Source)}. Test accuracy {r.TestAccuracy:P2}; {r.EvaluatedImages} images evaluated.</p>");
            b.AppendLine(Inv, $"<table><tr><th>method</th><th>settings</th><th>AD@{settings.Protocol.AverageDropFraction * 100:0.#}% ↑</th><th>95% CI</th><th>paper</th><th>Deletion AUC ↓</th><th>95% CI</th><th>paper</th></tr>");
            foreach (var row in r.Rows)
            {
                var p = PaperTable.For(r.Key, row.Method.PaperColumn);
                b.AppendLine(Inv, $"<tr><td>{E(row.Method.Display)}</td><td>{E(row.Method.Settings)}</td><td>{row.AverageDrop.Mean:0.000}</td><td>{row.AverageDrop.Interval}</td>" +
                                  $"<td class=\"paper\">{(p is null ? "—" : p.Value.AverageDrop.ToString("0.000", Inv))}</td><td>{row.DeletionAuc.Mean:0.000}</td><td>{row.DeletionAuc.Interval}</td>" +
                                  $"<td class=\"paper\">{(p is null ? "—" : p.Value.DeletionAuc.ToString("0.000", Inv))}</td></tr>");
            }

            b.AppendLine("</table>");
            foreach (var w in r.Warnings)
            {
                b.AppendLine($"<p class=\"warn\">Warning: {E(w)}</p>");
            }

            foreach (var figure in r.Figures)
            {
                b.AppendLine($"<figure><img src=\"{E(figure.File)}\" alt=\"{E(figure.Caption)}\"><figcaption>{E(figure.Caption)} ({E(figure.File)})</figcaption></figure>");
            }

            if (r.Study is { } study)
            {
                var best = study.Best;
                var caption = string.Create(Inv, $"Protocol study: of {study.Entries.Count} protocols, the closest to the paper's Table 1 is {best.Protocol} " +
                    $"(RMSE AD {best.RmseAverageDrop:0.000}, Deletion AUC {best.RmseDeletionAuc:0.000}); each method at (paper, ours), the dashed line is y = x. Ranking: protocols.md.");
                b.AppendLine($"<figure><img src=\"{E(ProtocolReport.PictureName(r.Key))}\" alt=\"{E(caption)}\"><figcaption>{E(caption)}</figcaption></figure>");
            }
        }

        b.Append(ClaimsReport.Html(settings, results));
        b.AppendLine(Inv, $"<p>Wall time {elapsed.TotalSeconds:F1} s. Details: <a href=\"table.md\">table.md</a>, <a href=\"table.csv\">table.csv</a>, <a href=\"table.json\">table.json</a>{(results.Any(r => r.Study is not null) ? ", <a href=\"protocols.md\">protocols.md</a>" : "")}; how every method and metric is defined: <a href=\"{MethodsFile}\">{MethodsFile}</a>.</p>");
        b.AppendLine("</body></html>");
        return b.ToString();
    }

    /// <summary>A Markdown link to a section of the methods.md written beside the table.</summary>
    internal static string MethodsLink(string anchor) => $"[{MethodsFile}#{anchor}]({MethodsFile}#{anchor})";

    /// <summary>docs/methods.md as the build embedded it.</summary>
    internal static string MethodsText()
    {
        using var stream = typeof(Report).Assembly.GetManifestResourceStream("Xwp.Cli.methods.md")
            ?? throw new InvalidOperationException("The build did not embed methods.md in Xwp.Cli.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A Markdown table cell: pipes escaped.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string PaperName(string key) => key.StartsWith("tmnist", StringComparison.Ordinal) ? "TMNIST (paper)" : "FMNIST (paper)";
}
