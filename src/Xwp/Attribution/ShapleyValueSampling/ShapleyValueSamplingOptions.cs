using Xwp.Attribution;
using Xwp.Attribution.Shapley;
using static TorchSharp.torch;

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
    /// The baseline x′ that absent features take: null (the default) for all zeros, a scalar tensor
    /// for a constant, <c>[D]</c> for one baseline, or <c>[N, D]</c> for one per input row. The tensor
    /// stays the caller's and must outlive the method.
    /// </summary>
    public Tensor? Baseline { get; init; }

    /// <summary>
    /// A group id (≥ 0) per feature: features with the same id are one player and all carry the
    /// group's value. Null (the default) for single features or <see cref="Superpixel"/> blocks.
    /// Cannot be combined with <see cref="Superpixel"/>.
    /// </summary>
    public IReadOnlyList<int>? FeatureGroups { get; init; }

    /// <summary>Side k of square k×k superpixels on the <see cref="ImageShape"/> view of the inputs. Default 1: single features.</summary>
    public int Superpixel { get; init; } = 1;

    /// <summary>The image view (height, width) of the features for <see cref="Superpixel"/>; default 28×28.</summary>
    public (int Height, int Width) ImageShape { get; init; } = (28, 28);

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

        BaselineInput.Validate(Baseline, nameof(Baseline));
        FeatureGrouping.Validate(FeatureGroups, Superpixel, ImageShape);
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
