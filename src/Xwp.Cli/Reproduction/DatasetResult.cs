namespace Xwp.Cli.Reproduction;

/// <summary>What one dataset's run produced: its table rows, curves, timings and warnings.</summary>
internal sealed class DatasetResult
{
    public required string Key { get; init; }

    public required string Name { get; init; }

    public required string Source { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }

    public required int TrainImages { get; init; }

    public required int TestImages { get; init; }

    public required int EvaluatedImages { get; init; }

    public required double TestAccuracy { get; init; }

    public required bool ModelReused { get; init; }

    public required IReadOnlyList<MethodRow> Rows { get; init; }

    public List<string> Warnings { get; } = [];

    public Dictionary<string, TimeSpan> PhaseTimes { get; } = [];

    public List<ReportFigure> Figures { get; } = [];

    /// <summary>The protocol study's ranking (with --protocol-study), else null.</summary>
    public ProtocolStudyResult? Study { get; set; }

    /// <summary>Every (method key, metric key) scored: Table 1's metrics, sparseness and complexity on all images; Max-Sensitivity and randomisation on the claims subset.</summary>
    public Dictionary<(string Method, string Metric), MetricResult> Scores { get; } = [];

    /// <summary>The images Max-Sensitivity and the randomisation test were run on (the first of the selection).</summary>
    public int ClaimImages { get; set; }

    /// <summary>Table 1 across training seeds (with --seeds K, K ≥ 2), else null.</summary>
    public SeedStudy? Seeds { get; set; }
}

/// <summary>One method's scores on one dataset.</summary>
internal sealed record MethodRow(
    ReproductionMethod Method,
    SampleStatistics AverageDrop,
    int AverageDropExcluded,
    SampleStatistics DeletionAuc,
    double[] MeanDeletionCurve,
    bool MapsReused);

/// <summary>A picture of the report (file name in the report folder) and the caption index.html shows under it.</summary>
internal sealed record ReportFigure(string File, string Caption);
