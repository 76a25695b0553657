using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Options of feature ablation (Captum's <c>FeatureAblation</c>): each feature — or each group of
/// features given by <see cref="FeatureMask"/> — is set to the baseline on its own, and gets
/// <c>f_t(x) − f_t(x with it at the baseline)</c>. Every feature of a group carries the group's value,
/// as Captum returns it. Without a mask this equals Occlusion with a 1×1 window and stride.
/// </summary>
public sealed record FeatureAblationOptions
{
    /// <summary>The value ablated features take (default 0). Ignored when <see cref="BaselineTensor"/> is set.</summary>
    public double Baseline { get; init; }

    /// <summary>
    /// Per-feature baseline values <c>[D]</c> (any real dtype), or null to use <see cref="Baseline"/>
    /// everywhere. Copied when the method is created; the tensor stays the caller's.
    /// </summary>
    public Tensor? BaselineTensor { get; init; }

    /// <summary>
    /// Integer group ids <c>[D]</c>, one per feature: the features that share an id are ablated together
    /// (ids need not be contiguous). Null (default) ablates every feature on its own. Copied when the
    /// method is created; the tensor stays the caller's.
    /// </summary>
    public Tensor? FeatureMask { get; init; }

    /// <summary>What f measures: softmax probabilities (default) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>
    /// Upper bound on the temporary memory of one chunk of ablated copies, in bytes. Results do not
    /// depend on it. Default <see cref="OcclusionOptions.DefaultMemoryBudgetBytes"/>.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = OcclusionOptions.DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (FeatureMask is not null)
        {
            OptionTensors.Check(FeatureMask, nameof(FeatureMask), 1);
            if (is_floating_point(FeatureMask))
            {
                throw new ArgumentOutOfRangeException(nameof(FeatureMask), $"Group ids must be integers, got {FeatureMask.dtype}.");
            }
        }

        OcclusionOptions.CheckCommon(Baseline, BaselineTensor, FeatureMask?.shape[0] ?? 0, OutputSpace, MemoryBudgetBytes);
    }
}
