namespace Xwp;

/// <summary>Options of XWP (Explainable Weight Perturbation), paper eq. (3)–(4).</summary>
public sealed record XwpOptions
{
    /// <summary>The default budget of temporary memory per chunk: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    /// <summary>What f measures: softmax probabilities (default, the paper's) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>
    /// The fast rank-1 path (default) or the literal row swap. On an <see cref="XwpModel"/> that does not split
    /// at its first layer (<see cref="XwpModel.SplitsAtFirstLayer"/>) the literal path runs either way.
    /// </summary>
    public XwpAlgorithm Algorithm { get; init; } = XwpAlgorithm.Rank1;

    /// <summary>
    /// Upper bound on the temporary memory of one chunk of (image, feature) pairs in the rank-1 path,
    /// in bytes; on the CPU's pass over the units a ReLU leaves active, of the whole pass, every worker's copy of
    /// the second Linear layer's weight included (fewer workers, or the chunked path, when they do not fit).
    /// Results do not depend on it. Default <see cref="DefaultMemoryBudgetBytes"/>.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(OutputSpace))
        {
            throw new ArgumentOutOfRangeException(nameof(OutputSpace), OutputSpace, "Unknown output space.");
        }

        if (!Enum.IsDefined(Algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, "Unknown algorithm.");
        }

        if (MemoryBudgetBytes < 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "The memory budget must be at least 64 KiB.");
        }
    }
}
