using MathNet.Numerics.Statistics;

namespace Xwp.Cli.Reproduction;

/// <summary>How far a column of our Table 1 is from the paper's: the root-mean-square difference, and Spearman's ρ of the two orderings.</summary>
internal static class PaperDistance
{
    /// <summary><c>sqrt(mean_i (ours_i − paper_i)²)</c> over the methods.</summary>
    public static double Rmse(IReadOnlyList<double> ours, IReadOnlyList<double> paper)
    {
        Check(ours, paper);
        var sum = 0.0;
        for (var i = 0; i < ours.Count; i++)
        {
            sum += (ours[i] - paper[i]) * (ours[i] - paper[i]);
        }

        return Math.Sqrt(sum / ours.Count);
    }

    /// <summary>
    /// Spearman's rank correlation of our values with the paper's (ties take their mean rank): 1 when the methods come in
    /// the same order, −1 when reversed. MathNet.Numerics' <c>Correlation.Spearman</c>; NaN when either side is constant.
    /// </summary>
    public static double Spearman(IReadOnlyList<double> ours, IReadOnlyList<double> paper)
    {
        Check(ours, paper);
        return Correlation.Spearman(ours, paper);
    }

    private static void Check(IReadOnlyList<double> ours, IReadOnlyList<double> paper)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(paper);
        if (ours.Count != paper.Count || ours.Count == 0)
        {
            throw new ArgumentException($"Expected the same non-zero number of values, got {ours.Count} and {paper.Count}.", nameof(paper));
        }
    }
}
