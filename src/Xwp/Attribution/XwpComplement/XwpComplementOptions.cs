namespace Xwp;

/// <summary>Options of XWP^c, the complement of XWP (paper eq. (5)): every first-layer column except feature i's is reset to θ⁰.</summary>
public sealed record XwpComplementOptions
{
    /// <summary>What f measures: softmax probabilities (default, the paper's) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>The fast rank-1 path (default) or the literal row swap.</summary>
    public XwpAlgorithm Algorithm { get; init; } = XwpAlgorithm.Rank1;

    /// <summary>Which reading of eq. (5): <see cref="ComplementSign.ByItself"/> (default) or <see cref="ComplementSign.Literal"/>.</summary>
    public ComplementSign Sign { get; init; } = ComplementSign.ByItself;

    /// <summary>
    /// Upper bound on the temporary memory of one chunk in the rank-1 path, in bytes, as <see cref="XwpOptions.MemoryBudgetBytes"/>
    /// (the CPU's active-unit pass counts every worker's buffers in it). Default 256 MiB.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = XwpOptions.DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        new XwpOptions { OutputSpace = OutputSpace, Algorithm = Algorithm, MemoryBudgetBytes = MemoryBudgetBytes }.Validate();
        if (!Enum.IsDefined(Sign))
        {
            throw new ArgumentOutOfRangeException(nameof(Sign), Sign, "Unknown complement sign.");
        }
    }
}
