namespace Xwp;

/// <summary>How Deletion and Insertion curves are computed. Both give the same values (to about 1e-5).</summary>
public enum CurveAlgorithm
{
    /// <summary>
    /// The default, for an <see cref="Fcnn"/> (any other model uses <see cref="Masked"/>). The first layer is linear, so removing features changes its pre-activation by
    /// <c>−Σ W_j (x_j − r_j)</c> over the removed features j; each step adds the columns of the features
    /// it removes to a running pre-activation and runs only the layers after the first. Costs about one
    /// first-layer pass per image instead of one per step.
    /// </summary>
    Incremental,

    /// <summary>The reference: builds every masked input and runs the whole network on it.</summary>
    Masked,
}
