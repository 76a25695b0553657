using MathNet.Numerics.Integration;

namespace Xwp.Attribution.IntegratedGradients;

/// <summary>Nodes α ∈ [0, 1] and weights of the integration rules, in increasing α.</summary>
internal static class Quadrature
{
    /// <summary>The nodes and weights of <paramref name="rule"/> with <paramref name="steps"/> points; the weights sum to 1.</summary>
    public static (double[] Alphas, double[] Weights) Nodes(IntegrationRule rule, int steps)
    {
        var n = steps;
        var alphas = new double[n];
        var weights = new double[n];
        switch (rule)
        {
            case IntegrationRule.GaussLegendre:
                // MathNet maps the Legendre nodes ±ξ on [−1, 1] to (1 ± ξ)/2 on [0, 1] and halves the weights.
                var gauss = new GaussLegendreRule(0, 1, n);
                var order = Enumerable.Range(0, n).OrderBy(i => gauss.Abscissas[i]).ToArray();
                for (var k = 0; k < n; k++)
                {
                    alphas[k] = gauss.Abscissas[order[k]];
                    weights[k] = gauss.Weights[order[k]];
                }

                break;
            case IntegrationRule.RiemannLeft:
            case IntegrationRule.RiemannRight:
            case IntegrationRule.RiemannMiddle:
                var shift = rule == IntegrationRule.RiemannLeft ? 0.0 : rule == IntegrationRule.RiemannRight ? 1.0 : 0.5;
                for (var k = 0; k < n; k++)
                {
                    alphas[k] = (k + shift) / n;
                    weights[k] = 1.0 / n;
                }

                break;
            case IntegrationRule.RiemannTrapezoid:
                for (var k = 0; k < n; k++)
                {
                    alphas[k] = (double)k / (n - 1);
                    weights[k] = k == 0 || k == n - 1 ? 0.5 / (n - 1) : 1.0 / (n - 1);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown integration rule.");
        }

        return (alphas, weights);
    }
}
