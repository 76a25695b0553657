namespace Xwp;

/// <summary>
/// How LRP redistributes a linear layer's output relevance <c>R_k</c> to its inputs, with
/// contributions <c>z_jk = a_j w_kj</c> and pre-activations <c>z_k = Σ_j z_jk + b_k</c> (Bach et al., 2015;
/// Montavon et al., 2019, "Layer-wise relevance propagation: an overview"). A denominator that is
/// exactly zero passes no relevance.
/// </summary>
public enum LrpRule
{
    /// <summary>
    /// ε-rule: <c>R_j = Σ_k z_jk / (z_k + ε·sign(z_k)) · R_k</c> (sign(0) = +1), with
    /// <see cref="LrpOptions.Epsilon"/>. Conserves relevance when biases are zero and ε → 0; the default.
    /// </summary>
    Epsilon,

    /// <summary>
    /// z⁺-rule: <c>R_j = Σ_k a_j w⁺_kj / (Σ_j a_j w⁺_kj + b⁺_k) · R_k</c>, only positive weights. Meant for
    /// non-negative inputs and activations (ReLU); equals α1β0 there.
    /// </summary>
    ZPlus,

    /// <summary>
    /// αβ-rule with α = 2, β = 1: <c>R_j = Σ_k (α z⁺_jk / z⁺_k − β z⁻_jk / z⁻_k) R_k</c>, where
    /// <c>z⁺_k = Σ_j z⁺_jk + b⁺_k</c> and <c>z⁻_k = Σ_j z⁻_jk + b⁻_k</c> collect the positive and negative parts.
    /// </summary>
    Alpha2Beta1,

    /// <summary>αβ-rule with α = 1, β = 0: only positive contributions, <c>R_j = Σ_k z⁺_jk / z⁺_k · R_k</c>.</summary>
    Alpha1Beta0,
}
