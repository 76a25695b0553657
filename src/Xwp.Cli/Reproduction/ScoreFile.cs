using System.Text.Json;
using System.Text.Json.Serialization;

namespace Xwp.Cli.Reproduction;

/// <summary>
/// One method's per-image scores, cached in the report folder (<c>DATASET/scores/METHOD.table.json</c> for Table 1's
/// metrics, <c>DATASET/scores/METHOD.claims.json</c> for Max-Sensitivity and the randomisation test) and vouched for
/// by <see cref="CacheManifest"/> like the maps. The values are written in the shortest form that reads back to the
/// same double (NaN, an image the metric excludes, as "NaN"), so a rerun that reuses them prints the same tables.
/// </summary>
internal static class ScoreFile
{
    private const int Format = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the per-image values of each metric (by metric key) and, for Table 1, the mean deletion curve.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, double[]> values, double[]? meanDeletionCurve)
    {
        var document = new Document(Format, new SortedDictionary<string, double[]>(values.ToDictionary(), StringComparer.Ordinal), meanDeletionCurve);
        Report.WriteAtomically(path, JsonSerializer.Serialize(document, Json));
    }

    /// <summary>Reads a score file; <paramref name="metrics"/> must all be present, each with <paramref name="images"/> values.</summary>
    /// <exception cref="InvalidDataException">The file is not a score file of this format, or a metric or value is missing.</exception>
    public static (IReadOnlyDictionary<string, double[]> Values, double[]? MeanDeletionCurve) Read(string path, IReadOnlyList<string> metrics, int images)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not a score file ({e.Message})", e);
        }

        if (document?.Values is not { } values || document.Format != Format)
        {
            throw new InvalidDataException($"not a format-{Format} score file");
        }

        foreach (var metric in metrics)
        {
            if (!values.TryGetValue(metric, out var v) || v is null)
            {
                throw new InvalidDataException($"no values of {metric}");
            }

            if (v.Length != images)
            {
                throw new InvalidDataException($"{v.Length} values of {metric}, expected {images}");
            }
        }

        return (values, document.MeanDeletionCurve);
    }

    private sealed record Document(int Format, SortedDictionary<string, double[]>? Values, double[]? MeanDeletionCurve);
}
