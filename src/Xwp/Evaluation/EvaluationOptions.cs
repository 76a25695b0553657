namespace Xwp;

/// <summary>Options of an evaluation run (<see cref="EvaluationBuilder"/>).</summary>
public sealed record EvaluationOptions
{
    /// <summary>Images per batch while scoring; results do not depend on it. Default <see cref="EvaluationMetric.DefaultBatchSize"/>; at least 1.</summary>
    public int BatchSize { get; init; } = EvaluationMetric.DefaultBatchSize;

    /// <summary>Images per batch while attributing; null (the default) for each method's own default.</summary>
    public int? AttributionBatchSize { get; init; }

    /// <summary>Evaluate only the first this many images; null (the default) for all. At least 1.</summary>
    public int? Limit { get; init; }

    /// <summary>The confidence level of every interval. Default <see cref="SampleStatistics.DefaultConfidenceLevel"/>; in (0, 1).</summary>
    public double ConfidenceLevel { get; init; } = SampleStatistics.DefaultConfidenceLevel;

    /// <summary>Whether to keep the Deletion/Insertion curve of every image (default true; they make the paper's Figure 4).</summary>
    public bool KeepCurves { get; init; } = true;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "At least one image per batch.");
        }

        if (AttributionBatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AttributionBatchSize), AttributionBatchSize, "At least one image per batch.");
        }

        if (Limit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "Evaluate at least one image.");
        }

        if (!(ConfidenceLevel > 0 && ConfidenceLevel < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "The confidence level must lie in (0, 1).");
        }
    }
}
