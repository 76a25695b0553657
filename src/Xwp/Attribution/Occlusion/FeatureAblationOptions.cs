namespace Xwp;

/// <summary>
/// Options of feature ablation (Captum's <c>FeatureAblation</c>): each feature — or each group of
/// features given by <see cref="FeatureMask"/> — is set to the baseline on its own, and gets
/// <c>f_t(x) − f_t(x with it at the baseline)</c>. Every feature of a group carries the group's value,
/// as Captum returns it. Without a mask this equals Occlusion with a 1×1 window and stride.
/// </summary>
public sealed record FeatureAblationOptions
{
    /// <summary>
    /// What ablated features become: <see cref="Baselines.Zero"/> (default), a constant, one tensor for
    /// every input or one per input (see <see cref="Baselines"/>).
    /// </summary>
    public Baselines Baseline { get; init; } = Baselines.Zero;

    /// <summary>
    /// Which features are ablated together (Captum's <c>feature_mask</c>; see <see cref="Xwp.FeatureMask"/>).
    /// Null (default) ablates every feature on its own. A tensor converts implicitly.
    /// </summary>
    public FeatureMask? FeatureMask { get; init; }

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
        OcclusionOptions.CheckCommon(Baseline, OutputSpace, MemoryBudgetBytes);
    }
}
