using Xwp.Attribution.Xwp;
using Xwp.Attribution.XwpComplement;

namespace Xwp;

/// <summary>
/// The catalogue of attribution methods. Each factory validates its options and returns an
/// immutable <see cref="AttributionMethod"/> to pass to <see cref="ExplanationBuilder.Using"/>.
/// </summary>
public static partial class Attributions
{
    /// <summary>
    /// XWP (Lympelopoulos &amp; Kanellopoulou, eq. 3–4): <c>R_i(x) = Σ_n I_n (f_n(x; θ) − f_n(x; θ, W_i ← W⁰_i))</c>,
    /// the change in output when the first-layer weights attached to feature i are reset to their
    /// values at initialisation. Positive scores mark features whose trained weights support the target.
    /// Runs on an <see cref="Fcnn"/> or an <see cref="XwpModel"/> (any model with a first Linear layer and its θ⁰).
    /// </summary>
    /// <param name="options">Output space, algorithm and memory budget; null for the defaults.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod Xwp(XwpOptions? options = null)
    {
        options ??= new XwpOptions();
        options.Validate();
        return new XwpAttribution(options);
    }

    /// <summary>
    /// XWP^c, the complement (eq. 5): every first-layer column except feature i's is reset to θ⁰. By
    /// default it returns what feature i achieved by itself,
    /// <c>S_i = I·(f(x; only W_i trained) − f(x; all first-layer weights initial))</c>; see
    /// <see cref="ComplementSign"/> for the literal reading of eq. (5). Runs on an <see cref="Fcnn"/> or an <see cref="XwpModel"/>.
    /// </summary>
    /// <param name="options">Sign convention, output space, algorithm and memory budget; null for the defaults.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static AttributionMethod XwpComplement(XwpComplementOptions? options = null)
    {
        options ??= new XwpComplementOptions();
        options.Validate();
        return new XwpComplementAttribution(options);
    }
}
