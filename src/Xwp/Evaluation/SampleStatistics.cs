using MathNet.Numerics.Distributions;

namespace Xwp;

/// <summary>
/// Mean, sample standard deviation and a Student-t confidence interval of a sample of per-image
/// values: <c>mean ± t_{(1+level)/2, n−1} · s / √n</c>. The t-interval is exact for normal data and
/// close for the sample sizes of an evaluation (hundreds of images) by the central limit theorem; for
/// 0/1 values (Increase in Confidence) it is the usual normal-approximation interval of a proportion.
/// </summary>
/// <param name="Count">Values in the sample (NaN values excluded).</param>
/// <param name="Mean">Their mean; NaN for an empty sample.</param>
/// <param name="StandardDeviation">The sample standard deviation (divisor n − 1); NaN for fewer than two values, exactly 0 when all values are equal.</param>
/// <param name="Interval">The confidence interval of the mean; NaN bounds for fewer than two values, zero width for a constant sample.</param>
public sealed record SampleStatistics(int Count, double Mean, double StandardDeviation, ConfidenceInterval Interval)
{
    /// <summary>The default confidence level: 0.95.</summary>
    public const double DefaultConfidenceLevel = 0.95;

    /// <summary>The standard error of the mean, <c>s / √n</c>.</summary>
    public double StandardError => StandardDeviation / Math.Sqrt(Count);

    /// <summary>Computes the statistics of the finite values of a sample; NaN values are skipped.</summary>
    /// <param name="values">The sample.</param>
    /// <param name="level">The confidence level, in (0, 1); default <see cref="DefaultConfidenceLevel"/>.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is outside (0, 1).</exception>
    /// <exception cref="ArgumentException">A value is infinite.</exception>
    public static SampleStatistics Of(IEnumerable<double> values, double level = DefaultConfidenceLevel)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level must lie in (0, 1).");
        }

        var sample = values.Where(v => !double.IsNaN(v)).ToArray();
        if (sample.Any(double.IsInfinity))
        {
            throw new ArgumentException("Values must be finite (NaN marks an excluded value).", nameof(values));
        }

        var n = sample.Length;
        if (n == 0)
        {
            return new SampleStatistics(0, double.NaN, double.NaN, new ConfidenceInterval(double.NaN, double.NaN, level));
        }

        // Equal values give exactly their value and zero spread (a computed mean can be off by one ulp).
        if (sample.All(v => v == sample[0]))
        {
            var constant = sample[0];
            return n == 1
                ? new SampleStatistics(1, constant, double.NaN, new ConfidenceInterval(double.NaN, double.NaN, level))
                : new SampleStatistics(n, constant, 0, new ConfidenceInterval(constant, constant, level));
        }

        var mean = sample.Sum() / n;
        var squares = sample.Sum(v => (v - mean) * (v - mean));
        var sd = Math.Sqrt(squares / (n - 1));
        var half = StudentT.InvCDF(0, 1, n - 1, (1 + level) / 2) * sd / Math.Sqrt(n);
        return new SampleStatistics(n, mean, sd, new ConfidenceInterval(mean - half, mean + half, level));
    }

    /// <summary>
    /// These statistics with the interval clipped to the values a sample can take: the mean of values in
    /// [lower, upper] lies there too, so the clipped interval covers it whenever the t-interval does.
    /// </summary>
    internal SampleStatistics ClippedTo(double lower, double upper) =>
        double.IsNaN(Interval.Lower) || (Interval.Lower >= lower && Interval.Upper <= upper)
            ? this
            : this with { Interval = Interval with { Lower = Math.Max(Interval.Lower, lower), Upper = Math.Min(Interval.Upper, upper) } };
}
