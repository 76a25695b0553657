namespace Xwp.Cli.Reproduction;

/// <summary>
/// Where a deletion curve "reaches a plateau" (the paper's Figure 4 stops "just before the curves reach a
/// plateau"; docs/methods.md#the-protocol-study), two readings: the curve has <b>settled</b> — from this step on it
/// stays within <see cref="Band"/> of its range around its final value — or it has <b>flattened</b> — from this step
/// on it never falls by more than <see cref="Band"/> of its range over the next window (10% of the features). Over
/// several methods' mean curves, the study truncates where the first of them settles, where the last one settles,
/// or where the last one flattens.
/// </summary>
internal static class PlateauRule
{
    /// <summary>The band around the final value, as a fraction of the curve's range (max − min): 5%.</summary>
    public const double Band = 0.05;

    /// <summary>
    /// The smallest step k such that <c>|y_j − y_K| ≤ Band·(max y − min y)</c> for every j ≥ k, where K is the last
    /// step; 0 for a flat curve.
    /// </summary>
    /// <param name="curve">At least one point, finite.</param>
    public static int SettledStep(IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentOutOfRangeException.ThrowIfZero(curve.Count);
        var end = curve[^1];
        var tolerance = Band * (curve.Max() - curve.Min());
        var k = curve.Count - 1;
        while (k > 0 && Math.Abs(curve[k - 1] - end) <= tolerance)
        {
            k--;
        }

        return k;
    }

    /// <summary>
    /// The smallest step k such that <c>y_j − y_{min(j+window, K)} ≤ Band·(max y − min y)</c> for every j ≥ k: from k on, no
    /// stretch of <paramref name="window"/> steps falls by more than the band; 0 for a flat curve.
    /// </summary>
    /// <param name="curve">At least one point, finite.</param>
    /// <param name="window">Steps looked ahead, at least 1.</param>
    public static int FlatStep(IReadOnlyList<double> curve, int window)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentOutOfRangeException.ThrowIfZero(curve.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var last = curve.Count - 1;
        var tolerance = Band * (curve.Max() - curve.Min());
        var k = last;
        while (k > 0 && curve[k - 1] - curve[Math.Min(k - 1 + window, last)] <= tolerance)
        {
            k--;
        }

        return k;
    }

    /// <summary>The truncation over several curves (at least one step): where the first settles, or where the last does.</summary>
    public static int Steps(IEnumerable<IReadOnlyList<double>> curves, bool last)
    {
        var settled = curves.Select(SettledStep).ToList();
        return Math.Max(1, last ? settled.Max() : settled.Min());
    }

    /// <summary>The truncation over several curves (at least one step): where the last of them flattens.</summary>
    public static int FlatSteps(IEnumerable<IReadOnlyList<double>> curves, int window) =>
        Math.Max(1, curves.Max(c => FlatStep(c, window)));
}
