namespace Xwp;

/// <summary>
/// Options of the perturbation curves, Deletion AUC and Insertion AUC (Petsiuk et al., RISE, 2018),
/// as docs/methods.md#deletion-and-insertion-auc pins them down. Features are taken in decreasing order of attribution,
/// ties broken by the lower feature index.
/// </summary>
public sealed record CurveMetricOptions
{
    /// <summary>The default fraction of the features per step: 1%.</summary>
    public const double DefaultStepFraction = 0.01;

    /// <summary>
    /// The default budget of temporary memory per chunk of steps: 16 MiB. Larger chunks are not faster:
    /// on a 2-core EPYC, 64 MiB chunks ran the incremental path 2.5 times slower than 4–16 MiB ones
    /// (fresh pages for every large allocation, and the working set no longer fits the cache).
    /// </summary>
    public const long DefaultMemoryBudgetBytes = 16L << 20;

    /// <summary>
    /// Features removed (or inserted) per step; null (the default) to use <see cref="StepFraction"/>.
    /// When set, step k has removed <c>min(k·K, D)</c> features.
    /// </summary>
    public int? FeaturesPerStep { get; init; }

    /// <summary>
    /// Used when <see cref="FeaturesPerStep"/> is null: after step k, <c>round_half_up(k·StepFraction·D)</c>
    /// features have been removed (capped at D; computed in decimal arithmetic, so the default is exactly
    /// <c>round_half_up(k·D/100)</c>). With D = 784 the steps remove 8, 8, 8, 7, 8, … features. Default
    /// <see cref="DefaultStepFraction"/>; in (0, 1].
    /// </summary>
    public double StepFraction { get; init; } = DefaultStepFraction;

    /// <summary>
    /// Stops after this many steps (the paper truncates "just before the curves plateau"); null (the
    /// default) runs until every feature is removed. The AUC's x axis is normalised over the steps
    /// actually run, and reports say which were used.
    /// </summary>
    public int? MaxSteps { get; init; }

    /// <summary>What a removed feature becomes; default <see cref="RemovalValue.Zero"/>.</summary>
    public RemovalValue RemovalValue { get; init; } = RemovalValue.Zero;

    /// <summary>What the curve records: the target's softmax probability (default) or its logit.</summary>
    public CurveScore Score { get; init; } = CurveScore.Probability;

    /// <summary>How the x axis is scaled for the area: over the steps run (default) or over all D features.</summary>
    public CurveAxis XAxis { get; init; } = CurveAxis.StepsRun;

    /// <summary>Incremental first layer (default) or fully masked inputs; the values agree.</summary>
    public CurveAlgorithm Algorithm { get; init; } = CurveAlgorithm.Incremental;

    /// <summary>
    /// Upper bound on the temporary memory of one chunk of steps, in bytes; all steps of a chunk go
    /// through the network in one batched forward pass. Results do not depend on it. Default
    /// <see cref="DefaultMemoryBudgetBytes"/>, at least 64 KiB.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (FeaturesPerStep is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FeaturesPerStep), FeaturesPerStep, "At least one feature per step.");
        }

        if (!(StepFraction > 0 && StepFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(StepFraction), StepFraction, "The step fraction must lie in (0, 1].");
        }

        if (MaxSteps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "At least one step.");
        }

        if (RemovalValue is null)
        {
            throw new ArgumentOutOfRangeException(nameof(RemovalValue), "Give a removal value (RemovalValue.Zero is the default).");
        }

        if (!Enum.IsDefined(Score))
        {
            throw new ArgumentOutOfRangeException(nameof(Score), Score, "Unknown curve score.");
        }

        if (!Enum.IsDefined(XAxis))
        {
            throw new ArgumentOutOfRangeException(nameof(XAxis), XAxis, "Unknown curve axis.");
        }

        if (!Enum.IsDefined(Algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, "Unknown curve algorithm.");
        }

        if (MemoryBudgetBytes < 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "The memory budget must be at least 64 KiB.");
        }
    }
}
