using Xwp.Evaluation;

namespace Xwp;

/// <summary>
/// The outcome of an evaluation run: for every (method, metric) pair a <see cref="MetricResult"/>
/// with per-image values, mean, standard deviation, confidence interval and curves; the settings
/// used; paired comparisons; and renderings as Markdown, CSV and JSON. Plain .NET data.
/// After <see cref="EvaluationBuilder.ForAllClasses"/> each (method, metric) result covers every
/// (image, class) pair, and <see cref="ClassResults"/> holds one result per class.
/// </summary>
public sealed class EvaluationReport
{
    /// <summary>A description of the confidence intervals, as reports print it.</summary>
    public const string IntervalMethod = "Student t-interval of the mean, clipped to the metric's range";

    private readonly MetricResult[] _results;
    private readonly MetricResult[] _classResults;

    internal EvaluationReport(
        int images,
        IReadOnlyList<string> methods,
        IReadOnlyList<EvaluationMetric> metrics,
        IReadOnlyList<MetricResult> results,
        EvaluationOptions options,
        int? classCount = null,
        IReadOnlyList<MetricResult>? classResults = null)
    {
        ImageCount = images;
        ClassCount = classCount;
        _classResults = classResults?.ToArray() ?? [];
        Methods = methods;
        Metrics = metrics.Select(m => m.Name).ToArray();
        _results = results.ToArray();
        Options = options;
    }

    /// <summary>Images evaluated (after the limit).</summary>
    public int ImageCount { get; }

    /// <summary>The methods, in the order they were added.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>The metrics' keys, in the order they were added.</summary>
    public IReadOnlyList<string> Metrics { get; }

    /// <summary>
    /// The classes C scored per image by an all-classes run (<see cref="EvaluationBuilder.ForAllClasses"/>;
    /// 1 for a single-output model); null for a usual run (one target per image).
    /// </summary>
    public int? ClassCount { get; }

    /// <summary>
    /// Every (method, metric) result, method by method. After <see cref="EvaluationBuilder.ForAllClasses"/>
    /// each covers all <c>N·C</c> (image, class) pairs (value <c>n·C + c</c>; its interval treats the pairs as
    /// independent, though the C pairs of one image share the image).
    /// </summary>
    public IReadOnlyList<MetricResult> Results => _results;

    /// <summary>
    /// After <see cref="EvaluationBuilder.ForAllClasses"/>: one result per (method, metric, class), method by
    /// method, metric by metric, class 0 first; each over the N images (<see cref="MetricResult.Class"/> set).
    /// Empty for a usual run.
    /// </summary>
    public IReadOnlyList<MetricResult> ClassResults => _classResults;

    /// <summary>The options the run used.</summary>
    public EvaluationOptions Options { get; }

    /// <summary>The result of one method on one metric.</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="metric">The metric's key, e.g. <c>deletion_auc</c>.</param>
    /// <returns>The result.</returns>
    /// <exception cref="KeyNotFoundException">The report has no such pair; the message lists what it has.</exception>
    public MetricResult this[string method, string metric] =>
        _results.FirstOrDefault(r => r.Method == method && r.Metric == metric)
        ?? throw new KeyNotFoundException(
            $"No result for method '{method}' and metric '{metric}'. Methods: {string.Join(", ", Methods)}; metrics: {string.Join(", ", Metrics)}.");

    /// <summary>The result of one method on one metric for one class, in an all-classes run: every image's class-c map scored against class c.</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="metric">The metric's key, e.g. <c>deletion_auc</c>.</param>
    /// <param name="classIndex">The class c, in <c>[0, C)</c>.</param>
    /// <returns>The result, one value per image.</returns>
    /// <exception cref="KeyNotFoundException">The report is not of an all-classes run, or has no such method, metric or class; the message says which.</exception>
    public MetricResult this[string method, string metric, int classIndex]
    {
        get
        {
            if (ClassCount is not { } classes)
            {
                throw new KeyNotFoundException("This report scored one target per image; per-class results come from an all-classes run (EvaluationBuilder.ForAllClasses()).");
            }

            return _classResults.FirstOrDefault(r => r.Method == method && r.Metric == metric && r.Class == classIndex)
                ?? throw new KeyNotFoundException(
                    $"No result for method '{method}', metric '{metric}' and class {classIndex}. Methods: {string.Join(", ", Methods)}; metrics: {string.Join(", ", Metrics)}; classes 0 to {classes - 1}.");
        }
    }

    /// <summary>Compares two methods on one metric, image by image (see <see cref="PairedComparison"/>).</summary>
    /// <param name="methodA">Method A.</param>
    /// <param name="methodB">Method B.</param>
    /// <param name="metric">The metric's key.</param>
    /// <param name="alpha">The significance level; default <see cref="PairedComparison.DefaultAlpha"/>.</param>
    /// <returns>The comparison of A − B: Hodges–Lehmann estimate, its Wilcoxon interval and the signed-rank p-value.</returns>
    /// <exception cref="KeyNotFoundException">A method or the metric is not in the report.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public PairedComparison Compare(string methodA, string methodB, string metric, double alpha = PairedComparison.DefaultAlpha) =>
        PairedComparison.Of(this[methodA, metric], this[methodB, metric], alpha);

    /// <summary>
    /// Every pair of methods on every metric: for each metric in <see cref="Metrics"/> order, the pairs
    /// (A, B) with A before B in <see cref="Methods"/> order — m(m − 1)/2 comparisons per metric. The
    /// p-values are not adjusted for multiple comparisons (see docs/methods.md#paired-comparisons).
    /// </summary>
    /// <param name="alpha">The significance level; default <see cref="PairedComparison.DefaultAlpha"/>.</param>
    /// <returns>The comparisons; empty with fewer than two methods.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public IReadOnlyList<PairedComparison> CompareAll(double alpha = PairedComparison.DefaultAlpha)
    {
        var comparisons = new List<PairedComparison>();
        foreach (var metric in Metrics)
        {
            for (var a = 0; a < Methods.Count; a++)
            {
                for (var b = a + 1; b < Methods.Count; b++)
                {
                    comparisons.Add(Compare(Methods[a], Methods[b], metric, alpha));
                }
            }
        }

        return comparisons;
    }

    /// <summary>
    /// A Markdown table of <see cref="CompareAll"/>: metric, A − B, the Hodges–Lehmann estimate with its
    /// Wilcoxon interval, the mean difference, pairs, p and the better method.
    /// </summary>
    /// <param name="alpha">The significance level; default <see cref="PairedComparison.DefaultAlpha"/>.</param>
    /// <returns>The Markdown text (a header only with fewer than two methods).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public string ComparisonsToMarkdown(double alpha = PairedComparison.DefaultAlpha) => ReportRendering.ComparisonsMarkdown(CompareAll(alpha), alpha);

    /// <summary>
    /// CSV (RFC 4180, invariant culture) of <see cref="CompareAll"/>, one line per comparison:
    /// <c>metric, method_a, method_b, direction, pairs, nonzero_pairs, hodges_lehmann, ci_low, ci_high,
    /// confidence_level, mean_difference, w_plus, z, p_value, exact, alpha, significant, better</c>.
    /// </summary>
    /// <param name="alpha">The significance level; default <see cref="PairedComparison.DefaultAlpha"/>.</param>
    /// <returns>The CSV text, with a header line.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public string ComparisonsToCsv(double alpha = PairedComparison.DefaultAlpha) => ReportRendering.ComparisonsCsv(CompareAll(alpha));

    /// <summary>
    /// A Markdown table, one row per method and one column per metric (with ↑ or ↓), each cell
    /// <c>mean [low, high]</c>; then the image count, the interval method and every metric's settings.
    /// After <see cref="EvaluationBuilder.ForAllClasses"/> the table is over all (image, class) pairs and a
    /// second table follows with one row per (method, class).
    /// </summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown() => ReportRendering.Markdown(this);

    /// <summary>
    /// CSV (RFC 4180, invariant culture), one line per (method, metric): <c>method, metric, direction,
    /// n, excluded, mean, std, ci_low, ci_high, confidence_level, settings</c>. After
    /// <see cref="EvaluationBuilder.ForAllClasses"/> a last column <c>class</c> follows: <c>all</c> on the lines over
    /// every (image, class) pair, then one line per (method, metric, class) with the class's index.
    /// </summary>
    /// <returns>The CSV text, with a header line.</returns>
    public string ToCsv() => ReportRendering.Csv(this);

    /// <summary>
    /// JSON: <c>{"images", "confidence_level", "interval", "methods": {method: {metric: {"mean", "std",
    /// "ci95": [low, high], "n", "excluded", "direction", "settings"}}}}</c>. NaN is written as null; the
    /// interval's key follows the level (<c>ci95</c> at 0.95, <c>ci90</c> at 0.90).
    /// With <paramref name="includeComparisons"/>, a <c>"comparisons"</c> array follows <c>"methods"</c>, one
    /// object per <see cref="CompareAll"/> entry: <c>{"metric", "a", "b", "direction", "pairs", "nonzero_pairs",
    /// "hodges_lehmann", "ci95": [low, high], "ci95_open": [bool, bool], "mean_difference", "w_plus", "z",
    /// "p_value", "exact", "alpha", "significant", "better"}</c> (unbounded ends and NaN as null).
    /// After <see cref="EvaluationBuilder.ForAllClasses"/>, <c>"classes"</c> (C) and <c>"pairs"</c> (N·C) follow
    /// <c>"interval"</c>; each metric's <c>"mean"</c>, interval and <c>"n"</c> are over the (image, class) pairs, and a
    /// <c>"per_class"</c> array follows its <c>"settings"</c>: <c>[{"class", "mean", "std", "ci95", "n", "excluded"}]</c>
    /// (with <c>"values"</c> when asked), class 0 first; comparisons pair the values of the same (image, class).
    /// </summary>
    /// <param name="includeValues">Also write every per-image value (<c>"values"</c>).</param>
    /// <param name="includeCurves">Also write every curve (<c>"curves"</c>) of curve metrics.</param>
    /// <param name="includeComparisons">Also write every paired comparison at <see cref="PairedComparison.DefaultAlpha"/>.</param>
    /// <returns>The JSON text.</returns>
    public string ToJson(bool includeValues = false, bool includeCurves = false, bool includeComparisons = false) =>
        ReportRendering.Json(this, includeValues, includeCurves, includeComparisons ? CompareAll() : null);

    /// <summary>JSON of one method: an object whose keys are the metric names (<c>deletion_auc</c>, …), each as in <see cref="ToJson(bool, bool, bool)"/> (with <c>"per_class"</c> after an all-classes run).</summary>
    /// <param name="method">The method's name.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="KeyNotFoundException">The method is not in the report.</exception>
    public string ToJson(string method)
    {
        if (!Methods.Contains(method))
        {
            throw new KeyNotFoundException($"No method '{method}' in the report. Methods: {string.Join(", ", Methods)}.");
        }

        return ReportRendering.MethodJson(this, method);
    }
}
