namespace Xwp;

/// <summary>How XWP and XWP^c are computed. Both give the same values to float precision.</summary>
public enum XwpAlgorithm
{
    /// <summary>
    /// The fast path (default): swapping column i of the first-layer weight is a rank-1 change of the
    /// first layer's pre-activation, <c>h_i = h + x_i·(W⁰_i − W_i)</c>, so every (image, feature) pair
    /// costs one pass of the layers after the first, batched; features with <c>x_i = 0</c> change
    /// nothing and are skipped exactly.
    /// </summary>
    Rank1,

    /// <summary>The literal definition, for reference: for every feature, build the perturbed weight and run the whole network.</summary>
    RowSwap,
}
