using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Options of RISE (Petsiuk, Das &amp; Saenko, "RISE: Randomized Input Sampling for Explanation of
/// Black-box Models", BMVC 2018): <c>saliency = Σ_k f_t(x ⊙ M_k) M_k / (N·p)</c> over N random masks.
/// </summary>
/// <remarks>
/// Each mask is made as in the paper: a binary <see cref="GridSize"/>×<see cref="GridSize"/> grid whose
/// cells are 1 with probability <see cref="Probability"/>, upsampled bilinearly (torch's
/// <c>interpolate</c>, <c>align_corners = false</c>) to <c>(s + 1)·cell</c> pixels with
/// <c>cell = ⌈H / s⌉</c> (per axis), then cropped to H×W at a random offset in <c>[0, cell)</c> per axis.
/// The masks are drawn once per method from <see cref="Seed"/> and shared by every input row, so every batch
/// size uses the same masks (the maps agree up to float32 rounding, about 1e-6); <see cref="Masks"/> supplies them instead, e.g. to reproduce another
/// tool's result.
/// </remarks>
public sealed record RiseOptions
{
    /// <summary>The default budget of temporary memory per chunk of masked copies: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    /// <summary>N, the number of random masks. Default 4000 (ignored when <see cref="Masks"/> is set).</summary>
    public int MaskCount { get; init; } = 4000;

    /// <summary>s, cells per side of the random grid. Default 7 (ignored when <see cref="Masks"/> is set).</summary>
    public int GridSize { get; init; } = 7;

    /// <summary>p, the probability that a grid cell is kept (1), in (0, 1]. Default 0.5. Also the normaliser's p with supplied masks.</summary>
    public double Probability { get; init; } = 0.5;

    /// <summary>
    /// The image the random masks are drawn for (row-major); Height·Width must equal D. Default 28×28.
    /// Ignored when <see cref="Masks"/> is set.
    /// </summary>
    public (int Height, int Width) ImageShape { get; init; } = (28, 28);

    /// <summary>Seed of the masks. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Masks to use instead of random ones: float <c>[N, H, W]</c> or <c>[N, D]</c>, usually in [0, 1];
    /// null (default) draws <see cref="MaskCount"/> masks. Copied when the method is created; the tensor
    /// stays the caller's.
    /// </summary>
    public Tensor? Masks { get; init; }

    /// <summary>What f measures: softmax probabilities (default, as in the paper) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>
    /// Upper bound on the temporary memory of one chunk of masked copies, in bytes. Results do not depend
    /// on it. Default <see cref="DefaultMemoryBudgetBytes"/>.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MaskCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaskCount), MaskCount, "At least one mask is needed.");
        }

        if (GridSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(GridSize), GridSize, "The grid needs at least one cell per side.");
        }

        if (!(Probability > 0 && Probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Probability), Probability, "The probability must be in (0, 1].");
        }

        OcclusionOptions.CheckShape(ImageShape, nameof(ImageShape));
        if (Masks is not null)
        {
            OptionTensors.Check(Masks, nameof(Masks), 2, 3);
            if (!is_floating_point(Masks))
            {
                throw new ArgumentOutOfRangeException(nameof(Masks), $"Masks must be floating-point, got {Masks.dtype}.");
            }
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
