namespace Xwp;

/// <summary>
/// Options of Occlusion (Zeiler &amp; Fergus, "Visualizing and Understanding Convolutional Networks",
/// ECCV 2014), with Captum's meaning of window, stride and baseline: a <see cref="Window"/> slides over
/// the last two dimensions of each input (a row of an FCNN is viewed as an <see cref="ImageShape"/> image;
/// dimensions before the last two, such as channels, are occluded whole, like Captum's window
/// <c>(C, h, w)</c>) in steps of <see cref="Stride"/>,
/// the covered pixels are set to the baseline, and each pixel gets the mean of
/// <c>f_t(x) − f_t(x with the window at the baseline)</c> over the windows that cover it.
/// </summary>
/// <remarks>
/// Window positions along an axis of length L are <c>0, s, 2s, …</c> up to <c>L − w</c>, as in Captum;
/// when the stride does not end exactly on the edge (<c>(L − w) mod s ≠ 0</c>) one more window is placed
/// flush with the edge at <c>L − w</c>, so the last rows and columns are always covered (Captum leaves
/// them out). With the defaults (28×28, 4×4, stride 2) the positions are 0, 2, …, 24 on both axes, the
/// same 169 windows as Captum. Pixels that no window covers (possible only when the stride exceeds the
/// window) get 0.
/// </remarks>
public sealed record OcclusionOptions
{
    /// <summary>The default budget of temporary memory per chunk of occluded copies: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    /// <summary>
    /// How inputs that are rows of D features (<c>[N, D]</c>) are viewed as an image (row-major); Height·Width
    /// must equal D. Default 28×28. Ignored for inputs of rank 3 or more, whose last two dimensions are the image.
    /// </summary>
    public (int Height, int Width) ImageShape { get; init; } = (28, 28);

    /// <summary>
    /// Size of the occluding window, in pixels. Default 4×4. It must fit in the image (checked when the
    /// method runs, since the image is the inputs' last two dimensions unless the inputs are rows).
    /// </summary>
    public (int Height, int Width) Window { get; init; } = (4, 4);

    /// <summary>Step between window positions, in pixels. Default 2×2.</summary>
    public (int Height, int Width) Stride { get; init; } = (2, 2);

    /// <summary>
    /// What occluded features become: <see cref="Baselines.Zero"/> (default, black), a constant
    /// (<c>Baseline = 0.5</c>), one tensor for every input or one per input (see <see cref="Baselines"/>).
    /// </summary>
    public Baselines Baseline { get; init; } = Baselines.Zero;

    /// <summary>What f measures: softmax probabilities (default) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>
    /// Upper bound on the temporary memory of one chunk of occluded copies, in bytes; every window of a
    /// batch is evaluated in batched forward passes, as many windows at a time as fit. Results do not
    /// depend on it. Default <see cref="DefaultMemoryBudgetBytes"/>.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        CheckShape(ImageShape, nameof(ImageShape));
        CheckShape(Window, nameof(Window));
        CheckShape(Stride, nameof(Stride));
        CheckCommon(Baseline, OutputSpace, MemoryBudgetBytes);
    }

    internal static void CheckShape((int Height, int Width) shape, string name)
    {
        if (shape.Height < 1 || shape.Width < 1)
        {
            throw new ArgumentOutOfRangeException(name, shape, "Both sizes must be at least 1.");
        }
    }

    /// <summary>Checks the options Occlusion and feature ablation share.</summary>
    internal static void CheckCommon(Baselines? baseline, OutputSpace space, long memoryBudgetBytes)
    {
        if (baseline is null)
        {
            throw new ArgumentOutOfRangeException(nameof(Baseline), "The baseline must not be null (use Baselines.Zero).");
        }

        if (!Enum.IsDefined(space))
        {
            throw new ArgumentOutOfRangeException(nameof(OutputSpace), space, "Unknown output space.");
        }

        if (memoryBudgetBytes < 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), memoryBudgetBytes, "The memory budget must be at least 64 KiB.");
        }
    }
}
