namespace Xwp;

/// <summary>
/// How Integrated Gradients approximates the path integral <c>∫₀¹ ∂f/∂x(x′ + α(x − x′)) dα</c> with
/// <c>n</c> = <see cref="IntegratedGradientsOptions.Steps"/> points (the names and node placements of Captum's methods).
/// </summary>
public enum IntegrationRule
{
    /// <summary>Gauss–Legendre quadrature mapped to [0, 1]: exact for polynomials of degree 2n − 1 (the default, as Captum's).</summary>
    GaussLegendre,

    /// <summary>Left Riemann sum: α = k/n, k = 0 … n − 1, weights 1/n.</summary>
    RiemannLeft,

    /// <summary>Right Riemann sum: α = k/n, k = 1 … n, weights 1/n.</summary>
    RiemannRight,

    /// <summary>Midpoint rule: α = (k + ½)/n, k = 0 … n − 1, weights 1/n.</summary>
    RiemannMiddle,

    /// <summary>Trapezoid rule: α = k/(n − 1), k = 0 … n − 1, weights 1/(n − 1) with half weight at both ends (n ≥ 2).</summary>
    RiemannTrapezoid,
}
