using System.Globalization;

namespace Xwp;

/// <summary>A two-sided confidence interval for a mean.</summary>
/// <param name="Lower">The lower bound (NaN when it cannot be computed, e.g. from fewer than two values).</param>
/// <param name="Upper">The upper bound (NaN likewise).</param>
/// <param name="Level">The confidence level, e.g. 0.95.</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper, double Level)
{
    /// <summary><c>Upper − Lower</c>; 0 for a constant sample.</summary>
    public double Width => Upper - Lower;

    /// <summary>Whether <paramref name="value"/> lies inside the interval (bounds included).</summary>
    /// <param name="value">The value.</param>
    /// <returns>True when inside.</returns>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>The interval as <c>[lower, upper]</c> with four decimals.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{Lower:0.0000}, {Upper:0.0000}]");
}
