using Xwp.Attribution.KernelShap;

namespace Xwp;

/// <summary>
/// Options of KernelSHAP (Lundberg &amp; Lee, 2017, "A unified approach to interpreting model
/// predictions"): Shapley values of the target's output estimated by a Shapley-kernel-weighted
/// linear regression over sampled coalitions of features or feature groups.
/// </summary>
public sealed record KernelShapOptions
{
    /// <summary>The default budget of temporary memory per chunk of coalitions: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    /// <summary>
    /// Coalitions evaluated per input, counting the empty and the full one (always included; they
    /// pin the efficiency constraint). Null (the default) means <c>2M + 2048</c> for M players, the
    /// rule of the authors' <c>shap</c> package; the players are the groups whose features differ from
    /// the baseline (the others get exactly 0). When the count reaches <c>2^M</c> every coalition is
    /// enumerated with its exact Shapley-kernel weight and the result is the exact Shapley value.
    /// The paper's SHAP row (docs/methods.md#kernelshap) uses 2×2 superpixels; the benchmark uses 500 on 4×4 superpixels.
    /// </summary>
    public int? Samples { get; init; }

    /// <summary>
    /// The baseline x′ that absent features take: <see cref="Baselines.Zero"/> (default: black, the
    /// background of both datasets), a constant, one tensor for every input or one per input (see <see cref="Baselines"/>).
    /// </summary>
    public Baselines Baseline { get; init; } = Baselines.Zero;

    /// <summary>
    /// The players (Captum's <c>feature_mask</c>; see <see cref="Xwp.FeatureMask"/>): features with the
    /// same id are one player and all carry its value, e.g. <c>FeatureMask.Superpixels(28, 28, 2)</c>.
    /// Null (the default) makes every feature a player.
    /// </summary>
    public FeatureMask? FeatureMask { get; init; }

    /// <summary>What f measures: softmax probabilities (default) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>Seed of the coalition sampling; each input row draws from its own stream, so results do not depend on the batch size. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Upper bound on the temporary memory of one chunk of coalitions, in bytes. Results do not depend on it. Default 256 MiB.</summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Which library solves the per-row least squares (both give the same values).</summary>
    internal KernelShapSolverKind Solver { get; init; } = KernelShapSolverKind.Torch;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the parameter name is the option's.</exception>
    public void Validate()
    {
        if (Samples is < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "KernelSHAP needs at least 3 coalitions (the empty, the full and one more).");
        }

        if (Baseline is null)
        {
            throw new ArgumentOutOfRangeException(nameof(Baseline), "The baseline must not be null (use Baselines.Zero).");
        }
        if (!Enum.IsDefined(OutputSpace))
        {
            throw new ArgumentOutOfRangeException(nameof(OutputSpace), OutputSpace, "Unknown output space.");
        }

        if (MemoryBudgetBytes < 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "The memory budget must be at least 64 KiB.");
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown solver.");
        }
    }
}
