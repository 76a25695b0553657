using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Xwp.Evaluation;

/// <summary>Markdown, CSV and JSON renderings of an <see cref="EvaluationReport"/>, all in the invariant culture.</summary>
internal static class ReportRendering
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static string Markdown(EvaluationReport report)
    {
        var text = new StringBuilder();
        var byMetric = report.Metrics.Select(metric => report.Results.First(r => r.Metric == metric)).ToArray();
        text.Append("| method |");
        foreach (var first in byMetric)
        {
            text.Append(' ').Append(first.DisplayName).Append(' ').Append(Arrow(first.Direction)).Append(" |");
        }

        text.AppendLine().Append("|---|").AppendLine(string.Concat(byMetric.Select(_ => "---:|")));
        foreach (var method in report.Methods)
        {
            text.Append("| ").Append(method).Append(" |");
            foreach (var metric in report.Metrics)
            {
                var statistics = report[method, metric].Statistics;
                text.Append(' ').Append(Number(statistics.Mean)).Append(' ').Append(Interval(statistics.Interval)).Append(" |");
            }

            text.AppendLine();
        }

        text.AppendLine();
        if (report.ClassCount is { } classes)
        {
            text.Append(Invariant($"{report.ImageCount} images × {classes} classes = {report.ImageCount * classes} (image, class) pairs, each class's map scored against that class; "))
                .Append(Invariant($"mean [{report.Options.ConfidenceLevel:0.##%} CI, {EvaluationReport.IntervalMethod}, treating the pairs as independent]; "));
        }
        else
        {
            text.Append(Invariant($"{report.ImageCount} images; mean [{report.Options.ConfidenceLevel:0.##%} CI, {EvaluationReport.IntervalMethod}]; "));
        }

        text.AppendLine("↑ higher is better, ↓ lower is better.");
        foreach (var first in byMetric)
        {
            text.Append("- ").Append(first.Metric).Append(": ")
                .AppendLine(string.Join("; ", first.Settings.Select(s => $"{s.Key} = {s.Value}")));
        }

        foreach (var excluded in report.Results.Where(r => r.Excluded > 0))
        {
            text.AppendLine(Invariant(
                $"- {excluded.Metric} of {excluded.Method}: {excluded.Excluded} {(report.ClassCount is null ? "image(s)" : "(image, class) pair(s)")} excluded (target probability below the minimum)."));
        }

        if (report.ClassCount is { } count)
        {
            text.AppendLine()
                .Append(Invariant($"Per class (mean [{report.Options.ConfidenceLevel:0.##%} CI] over the {report.ImageCount} images, each scored with its class-c map against class c):\n\n"))
                .Append("| method | class |");
            foreach (var first in byMetric)
            {
                text.Append(' ').Append(first.DisplayName).Append(' ').Append(Arrow(first.Direction)).Append(" |");
            }

            text.AppendLine().Append("|---|---:|").AppendLine(string.Concat(byMetric.Select(_ => "---:|")));
            foreach (var method in report.Methods)
            {
                for (var c = 0; c < count; c++)
                {
                    text.Append("| ").Append(method).Append(Invariant($" | {c} |"));
                    foreach (var metric in report.Metrics)
                    {
                        var statistics = report[method, metric, c].Statistics;
                        text.Append(' ').Append(Number(statistics.Mean)).Append(' ').Append(Interval(statistics.Interval)).Append(" |");
                    }

                    text.AppendLine();
                }
            }
        }

        return text.ToString();
    }

    public static string Csv(EvaluationReport report)
    {
        var perClass = report.ClassCount is not null;
        var text = new StringBuilder("method,metric,direction,n,excluded,mean,std,ci_low,ci_high,confidence_level,settings" + (perClass ? ",class\n" : "\n"));
        foreach (var r in report.Results.Concat(report.ClassResults))
        {
            var s = r.Statistics;
            string[] fields =
            [
                r.Method, r.Metric, DirectionKey(r.Direction), Invariant($"{s.Count}"), Invariant($"{r.Excluded}"),
                Raw(s.Mean), Raw(s.StandardDeviation), Raw(s.Interval.Lower), Raw(s.Interval.Upper), Raw(s.Interval.Level),
                string.Join("; ", r.Settings.Select(p => $"{p.Key}={p.Value}")),
            ];
            if (perClass)
            {
                fields = [.. fields, r.Class is { } c ? Invariant($"{c}") : "all"];
            }

            text.AppendJoin(',', fields.Select(Quote)).Append('\n');
        }

        return text.ToString();
    }

    public static string Json(EvaluationReport report, bool includeValues, bool includeCurves, IReadOnlyList<PairedComparison>? comparisons) => Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("images", report.ImageCount);
        writer.WriteNumber("confidence_level", report.Options.ConfidenceLevel);
        writer.WriteString("interval", EvaluationReport.IntervalMethod);
        if (report.ClassCount is { } classes)
        {
            writer.WriteNumber("classes", classes);
            writer.WriteNumber("pairs", (long)report.ImageCount * classes);
        }

        writer.WriteStartObject("methods");
        foreach (var method in report.Methods)
        {
            writer.WriteStartObject(method);
            WriteMetrics(writer, report, method, includeValues, includeCurves);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        if (comparisons is not null)
        {
            writer.WriteStartArray("comparisons");
            foreach (var c in comparisons)
            {
                WriteComparison(writer, c);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    });

    public static string ComparisonsMarkdown(IReadOnlyList<PairedComparison> comparisons, double alpha)
    {
        var text = new StringBuilder()
            .Append(Invariant($"| metric | A − B | Hodges–Lehmann [{1 - alpha:0.##%} CI] | mean difference | pairs | Wilcoxon p | better (α = {alpha}) |\n"))
            .Append("|---|---|---:|---:|---:|---:|---|\n");
        foreach (var c in comparisons)
        {
            text.Append(Invariant(
                $"| {c.Metric} | {c.MethodA} − {c.MethodB} | {Number(c.HodgesLehmannEstimate)} {c.HodgesLehmannInterval} | {Number(c.MeanDifference)} | {c.Pairs} | {PValue(c.PValue)}{(c.ExactPValue ? " (exact)" : "")} | {c.Better ?? "—"} |\n"));
        }

        return text.ToString();
    }

    public static string ComparisonsCsv(IReadOnlyList<PairedComparison> comparisons)
    {
        var text = new StringBuilder(
            "metric,method_a,method_b,direction,pairs,nonzero_pairs,hodges_lehmann,ci_low,ci_high,confidence_level,mean_difference,w_plus,z,p_value,exact,alpha,significant,better\n");
        foreach (var c in comparisons)
        {
            string[] fields =
            [
                c.Metric, c.MethodA, c.MethodB, DirectionKey(c.Direction), Invariant($"{c.Pairs}"), Invariant($"{c.NonZeroPairs}"),
                Raw(c.HodgesLehmannEstimate), Raw(c.HodgesLehmannInterval.Lower), Raw(c.HodgesLehmannInterval.Upper), Raw(c.HodgesLehmannInterval.Level),
                Raw(c.MeanDifference), Raw(c.SignedRankStatistic), Raw(c.Z), Raw(c.PValue), c.ExactPValue ? "true" : "false", Raw(c.Alpha),
                c.IsSignificant ? "true" : "false", c.Better ?? "",
            ];
            text.AppendJoin(',', fields.Select(Quote)).Append('\n');
        }

        return text.ToString();
    }

    private static void WriteComparison(Utf8JsonWriter writer, PairedComparison c)
    {
        writer.WriteStartObject();
        writer.WriteString("metric", c.Metric);
        writer.WriteString("a", c.MethodA);
        writer.WriteString("b", c.MethodB);
        writer.WriteString("direction", DirectionKey(c.Direction));
        writer.WriteNumber("pairs", c.Pairs);
        writer.WriteNumber("nonzero_pairs", c.NonZeroPairs);
        WriteNumber(writer, "hodges_lehmann", c.HodgesLehmannEstimate);
        var key = IntervalKey(c.HodgesLehmannInterval.Level);
        writer.WriteStartArray(key);
        WriteNumber(writer, null, c.HodgesLehmannInterval.Lower);
        WriteNumber(writer, null, c.HodgesLehmannInterval.Upper);
        writer.WriteEndArray();
        writer.WriteStartArray(key + "_open");
        writer.WriteBooleanValue(c.HodgesLehmannInterval.LowerOpen);
        writer.WriteBooleanValue(c.HodgesLehmannInterval.UpperOpen);
        writer.WriteEndArray();
        WriteNumber(writer, "mean_difference", c.MeanDifference);
        WriteNumber(writer, "w_plus", c.SignedRankStatistic);
        WriteNumber(writer, "z", c.Z);
        WriteNumber(writer, "p_value", c.PValue);
        writer.WriteBoolean("exact", c.ExactPValue);
        writer.WriteNumber("alpha", c.Alpha);
        writer.WriteBoolean("significant", c.IsSignificant);
        if (c.Better is null)
        {
            writer.WriteNull("better");
        }
        else
        {
            writer.WriteString("better", c.Better);
        }

        writer.WriteEndObject();
    }

    public static string MethodJson(EvaluationReport report, string method) => Write(writer =>
    {
        writer.WriteStartObject();
        WriteMetrics(writer, report, method, includeValues: false, includeCurves: false);
        writer.WriteEndObject();
    });

    private static void WriteMetrics(Utf8JsonWriter writer, EvaluationReport report, string method, bool includeValues, bool includeCurves)
    {
        foreach (var metric in report.Metrics)
        {
            var r = report[method, metric];
            writer.WriteStartObject(metric);
            WriteStatistics(writer, r, includeValues: false);
            writer.WriteString("direction", DirectionKey(r.Direction));
            writer.WriteStartObject("settings");
            foreach (var (key, value) in r.Settings)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            if (report.ClassCount is { } classes)
            {
                writer.WriteStartArray("per_class");
                for (var c = 0; c < classes; c++)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("class", c);
                    WriteStatistics(writer, report[method, metric, c], includeValues);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (includeValues)
            {
                WriteValues(writer, r);
            }

            if (includeCurves && r.Curves is not null)
            {
                writer.WriteStartArray("curves");
                foreach (var curve in r.Curves)
                {
                    writer.WriteStartArray();
                    foreach (var y in curve)
                    {
                        writer.WriteNumberValue(y);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }
    }

    /// <summary><c>"mean", "std", "ci95": [low, high], "n", "excluded"</c> of one result, and its <c>"values"</c> when asked.</summary>
    private static void WriteStatistics(Utf8JsonWriter writer, MetricResult r, bool includeValues)
    {
        var s = r.Statistics;
        WriteNumber(writer, "mean", s.Mean);
        WriteNumber(writer, "std", s.StandardDeviation);
        writer.WriteStartArray(IntervalKey(s.Interval.Level));
        WriteNumber(writer, null, s.Interval.Lower);
        WriteNumber(writer, null, s.Interval.Upper);
        writer.WriteEndArray();
        writer.WriteNumber("n", s.Count);
        writer.WriteNumber("excluded", r.Excluded);
        if (includeValues)
        {
            WriteValues(writer, r);
        }
    }

    private static void WriteValues(Utf8JsonWriter writer, MetricResult r)
    {
        writer.WriteStartArray("values");
        foreach (var v in r.Values)
        {
            WriteNumber(writer, null, v);
        }

        writer.WriteEndArray();
    }

    /// <summary><c>ci95</c> for 0.95, <c>ci90</c> for 0.9, <c>ci99.9</c> for 0.999.</summary>
    internal static string IntervalKey(double level) => "ci" + (level * 100).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Indented))
        {
            body(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter writer, string? name, double value)
    {
        if (name is not null)
        {
            writer.WritePropertyName(name);
        }

        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static string Arrow(MetricDirection direction) => direction == MetricDirection.HigherIsBetter ? "↑" : "↓";

    private static string DirectionKey(MetricDirection direction) =>
        direction == MetricDirection.HigherIsBetter ? "higher_is_better" : "lower_is_better";

    private static string Number(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Interval(ConfidenceInterval interval) =>
        double.IsNaN(interval.Lower) ? "[n/a]" : $"[{Number(interval.Lower)}, {Number(interval.Upper)}]";

    private static string Raw(double value) =>
        double.IsNaN(value) ? ""
        : double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf")
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string PValue(double p) => p < 1e-4 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
