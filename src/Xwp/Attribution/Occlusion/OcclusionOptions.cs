using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Options of Occlusion (Zeiler &amp; Fergus, "Visualizing and Understanding Convolutional Networks",
/// ECCV 2014), with Captum's meaning of window, stride and baseline: each input row is viewed as an
/// <see cref="ImageShape"/> image, a <see cref="Window"/> slides over it in steps of <see cref="Stride"/>,
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

    /// <summary>How a row of D features is viewed as an image (row-major); Height·Width must equal D. Default 28×28.</summary>
    public (int Height, int Width) ImageShape { get; init; } = (28, 28);

    /// <summary>Size of the occluding window, in pixels. Default 4×4.</summary>
    public (int Height, int Width) Window { get; init; } = (4, 4);

    /// <summary>Step between window positions, in pixels. Default 2×2.</summary>
    public (int Height, int Width) Stride { get; init; } = (2, 2);

    /// <summary>The value occluded pixels take (default 0, black). Ignored when <see cref="BaselineTensor"/> is set.</summary>
    public double Baseline { get; init; }

    /// <summary>
    /// Per-feature baseline values <c>[D]</c> (any real dtype), or null to use <see cref="Baseline"/>
    /// everywhere. Copied when the method is created; the tensor stays the caller's.
    /// </summary>
    public Tensor? BaselineTensor { get; init; }

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
        if (Window.Height > ImageShape.Height || Window.Width > ImageShape.Width)
        {
            throw new ArgumentOutOfRangeException(nameof(Window), Window, $"The window must fit in the {ImageShape.Height}×{ImageShape.Width} image.");
        }

        CheckCommon(Baseline, BaselineTensor, (long)ImageShape.Height * ImageShape.Width, OutputSpace, MemoryBudgetBytes);
    }

    internal static void CheckShape((int Height, int Width) shape, string name)
    {
        if (shape.Height < 1 || shape.Width < 1)
        {
            throw new ArgumentOutOfRangeException(name, shape, "Both sizes must be at least 1.");
        }
    }

    /// <summary>Checks the options Occlusion and feature ablation share; <paramref name="features"/> is D when known, else 0.</summary>
    internal static void CheckCommon(double baseline, Tensor? baselineTensor, long features, OutputSpace space, long memoryBudgetBytes)
    {
        if (!double.IsFinite(baseline))
        {
            throw new ArgumentOutOfRangeException(nameof(Baseline), baseline, "The baseline must be finite.");
        }

        if (baselineTensor is not null)
        {
            OptionTensors.Check(baselineTensor, nameof(BaselineTensor), 1);
            if (features > 0 && baselineTensor.shape[0] != features)
            {
                throw new ArgumentOutOfRangeException(nameof(BaselineTensor), $"Expected {features} baseline values (one per feature), got {baselineTensor.shape[0]}.");
            }
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
