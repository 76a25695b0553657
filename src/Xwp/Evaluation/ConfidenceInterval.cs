using System.Globalization;

namespace Xwp;

/// <summary>
/// A two-sided confidence interval: of a mean (<see cref="SampleStatistics"/>, Student t) or of a paired
/// difference (<see cref="PairedComparison"/>, Hodges–Lehmann with the Wilcoxon signed-rank interval).
/// See docs/methods.md#confidence-intervals.
/// </summary>
/// <param name="Lower">The lower bound (NaN when it cannot be computed, e.g. from fewer than two values; −∞ when no finite bound exists at this level).</param>
/// <param name="Upper">The upper bound (NaN or +∞ likewise).</param>
/// <param name="Level">The confidence level, e.g. 0.95.</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper, double Level)
{
    /// <summary>
    /// Whether <see cref="Lower"/> itself is outside the interval. Only a Wilcoxon interval whose bound is
    /// exactly 0 while the test rejects 0 is open; every other interval is closed.
    /// </summary>
    public bool LowerOpen { get; init; }

    /// <summary>Whether <see cref="Upper"/> itself is outside the interval (see <see cref="LowerOpen"/>).</summary>
    public bool UpperOpen { get; init; }

    /// <summary><c>Upper − Lower</c>; 0 for a constant sample.</summary>
    public double Width => Upper - Lower;

    /// <summary>Whether <paramref name="value"/> lies inside the interval (closed bounds included, open bounds not).</summary>
    /// <param name="value">The value.</param>
    /// <returns>True when inside.</returns>
    public bool Contains(double value) =>
        (LowerOpen ? value > Lower : value >= Lower) && (UpperOpen ? value < Upper : value <= Upper);

    /// <summary>The interval as <c>[lower, upper]</c> with four decimals; a parenthesis marks an open bound, ∞ an unbounded side.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        (LowerOpen || double.IsNegativeInfinity(Lower) ? "(" : "[") + Bound(Lower) + ", " + Bound(Upper)
        + (UpperOpen || double.IsPositiveInfinity(Upper) ? ")" : "]");

    private static string Bound(double value) =>
        double.IsInfinity(value) ? (value < 0 ? "−∞" : "∞") : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
