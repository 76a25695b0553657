using System.Globalization;
using Xwp.Evaluation;

namespace Xwp;

/// <summary>
/// Whether two methods really differ on a metric, judged on the same images: a two-sided Wilcoxon
/// signed-rank test of the paired differences A − B (exact for up to 25 non-zero differences without
/// ties, normal approximation with tie and continuity corrections otherwise), the Hodges–Lehmann
/// estimate of the difference (the median of the Walsh averages) and the confidence interval that
/// inverts the same test — so the interval excludes 0 exactly when <c>PValue &lt; Alpha</c>. Zero
/// differences are dropped by all three (Wilcoxon's convention); images that either method could not
/// score are left out. See docs/methods.md#paired-comparisons.
/// </summary>
/// <remarks>
/// <see cref="HodgesLehmannInterval"/> replaces the Student-t interval of the mean difference
/// (<c>MeanDifferenceInterval</c>) that earlier builds printed beside the Wilcoxon p-value: the two
/// belonged to different tests and could say "interval includes 0" and "significant" at once.
/// <see cref="MeanDifference"/> stays, as a description of the sample.
/// </remarks>
public sealed record PairedComparison
{
    /// <summary>The default significance level: 0.05.</summary>
    public const double DefaultAlpha = 0.05;

    /// <summary>The first method (A).</summary>
    public required string MethodA { get; init; }

    /// <summary>The second method (B).</summary>
    public required string MethodB { get; init; }

    /// <summary>The metric's key.</summary>
    public required string Metric { get; init; }

    /// <summary>Whether larger or smaller values of the metric are better.</summary>
    public required MetricDirection Direction { get; init; }

    /// <summary>Images scored by both methods.</summary>
    public required int Pairs { get; init; }

    /// <summary>Pairs whose difference is not exactly 0 (those the signed-rank test uses).</summary>
    public required int NonZeroPairs { get; init; }

    /// <summary>The mean of A − B over the pairs (zero differences included), for description; the test's own estimate is <see cref="HodgesLehmannEstimate"/>.</summary>
    public required double MeanDifference { get; init; }

    /// <summary>
    /// The Hodges–Lehmann estimate of A − B: the median of the Walsh averages (d_i + d_j)/2, i ≤ j, of the
    /// non-zero differences; 0 when every difference is 0.
    /// </summary>
    public required double HodgesLehmannEstimate { get; init; }

    /// <summary>
    /// The distribution-free confidence interval of A − B at level <c>1 − Alpha</c> that inverts the signed-rank
    /// test: [A_(k), A_(M+1−k)] over the ordered Walsh averages. It excludes 0 exactly when the difference is
    /// significant; with too few pairs for the test ever to reject it is (−∞, ∞).
    /// </summary>
    public required ConfidenceInterval HodgesLehmannInterval { get; init; }

    /// <summary>W⁺: the sum of the ranks of |A − B| over pairs where A &gt; B.</summary>
    public required double SignedRankStatistic { get; init; }

    /// <summary>The normal approximation's z (NaN when the exact distribution was used).</summary>
    public required double Z { get; init; }

    /// <summary>The two-sided p-value of the signed-rank test.</summary>
    public required double PValue { get; init; }

    /// <summary>Whether the p-value is exact.</summary>
    public required bool ExactPValue { get; init; }

    /// <summary>The significance level.</summary>
    public required double Alpha { get; init; }

    /// <summary>Whether the difference is significant: <c>PValue &lt; Alpha</c>.</summary>
    public bool IsSignificant => PValue < Alpha;

    /// <summary>The better method when the difference is significant (taking <see cref="Direction"/> into account); null otherwise.</summary>
    public required string? Better { get; init; }

    /// <summary>Compares two results of the same metric on the same images.</summary>
    /// <param name="a">Method A's result.</param>
    /// <param name="b">Method B's result.</param>
    /// <param name="alpha">The significance level, in (0, 1); default <see cref="DefaultAlpha"/>.</param>
    /// <returns>The comparison.</returns>
    /// <exception cref="ArgumentNullException">A result is null.</exception>
    /// <exception cref="ArgumentException">The results are of different metrics or of different numbers of images.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public static PairedComparison Of(MetricResult a, MetricResult b, double alpha = DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The significance level must lie in (0, 1).");
        }

        if (a.Metric != b.Metric)
        {
            throw new ArgumentException($"Cannot compare {a.Metric} with {b.Metric}.", nameof(b));
        }

        if (a.Values.Count != b.Values.Count)
        {
            throw new ArgumentException($"The results cover {a.Values.Count} and {b.Values.Count} images; pairs need the same images.", nameof(b));
        }

        var differences = a.Values.Zip(b.Values)
            .Where(p => !double.IsNaN(p.First) && !double.IsNaN(p.Second))
            .Select(p => p.First - p.Second)
            .ToArray();
        var test = WilcoxonSignedRank.Test(differences);
        var shift = HodgesLehmann.Of(differences, alpha);
        string? better = null;
        if (test.PValue < alpha && test.PositiveRankSum != test.Expected)
        {
            var aLarger = test.PositiveRankSum > test.Expected;
            better = aLarger == (a.Direction == MetricDirection.HigherIsBetter) ? a.Method : b.Method;
        }

        return new PairedComparison
        {
            MethodA = a.Method,
            MethodB = b.Method,
            Metric = a.Metric,
            Direction = a.Direction,
            Pairs = differences.Length,
            NonZeroPairs = test.NonZero,
            MeanDifference = differences.Length == 0 ? double.NaN : differences.Average(),
            HodgesLehmannEstimate = shift.Estimate,
            HodgesLehmannInterval = shift.Interval,
            SignedRankStatistic = test.PositiveRankSum,
            Z = test.Z,
            PValue = test.PValue,
            ExactPValue = test.Exact,
            Alpha = alpha,
            Better = better,
        };
    }

    /// <summary>One sentence: the Hodges–Lehmann estimate with its interval, the p-value and the verdict.</summary>
    /// <returns>The sentence.</returns>
    public override string ToString()
    {
        var verdict = Better is null
            ? string.Create(CultureInfo.InvariantCulture, $"no significant difference at α = {Alpha}")
            : string.Create(CultureInfo.InvariantCulture, $"{Better} is better at α = {Alpha}");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Metric}: {MethodA} − {MethodB}: Hodges–Lehmann {HodgesLehmannEstimate:0.0000} {HodgesLehmannInterval} ({1 - Alpha:0.##%} Wilcoxon interval) over {Pairs} images; Wilcoxon signed-rank p = {PValue:0.####} ({(ExactPValue ? "exact" : "normal approximation")}): {verdict}.");
    }
}
