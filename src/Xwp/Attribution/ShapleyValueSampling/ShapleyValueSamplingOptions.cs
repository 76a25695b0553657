
namespace Xwp;

/// <summary>
/// Options of Shapley value sampling (Castro, Gómez &amp; Tejada, 2009, "Polynomial calculation of
/// the Shapley value based on sampling"; Štrumbelj &amp; Kononenko, 2010): each player's value is its
/// mean marginal contribution over random orders of the players.
/// </summary>
public sealed record ShapleyValueSamplingOptions
{
    /// <summary>The default budget of temporary memory per chunk of orders: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    /// <summary>Random player orders (permutations) per input; default 25. Each costs M − 1 evaluations of the network for M players.</summary>
    public int Samples { get; init; } = 25;

    /// <summary>
    /// Antithetic sampling: orders come in pairs, a random permutation and its reverse (which
    /// balances early and late positions). <see cref="Samples"/> counts both; an odd count ends with
    /// an unpaired permutation. Default false.
    /// </summary>
    public bool Antithetic { get; init; }

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

    /// <summary>Seed of the permutations; each input row draws from its own stream, so results do not depend on the batch size. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Upper bound on the temporary memory of one chunk of orders, in bytes. Results do not depend on it. Default 256 MiB.</summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the parameter name is the option's.</exception>
    public void Validate()
    {
        if (Samples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "Shapley value sampling needs at least one permutation.");
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
    }
}
