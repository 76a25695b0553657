using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// One metric's scores of one method's maps: the value of every image, their statistics, the
/// settings used and, for Deletion/Insertion AUC, every image's curve. Plain .NET data (no native
/// memory); nothing to dispose.
/// </summary>
public sealed class MetricResult
{
    private readonly double[] _values;
    private readonly float[][]? _curves;

    private MetricResult(
        string method,
        EvaluationMetric metric,
        double[] values,
        float[][]? curves,
        IReadOnlyList<double> curveFractions,
        IReadOnlyDictionary<string, string> settings,
        double level,
        int? classIndex)
    {
        Method = method;
        Class = classIndex;
        Metric = metric.Name;
        DisplayName = metric.DisplayName;
        Direction = metric.Direction;
        _values = values;
        _curves = curves;
        CurveFractions = curveFractions;
        Settings = settings;
        Excluded = values.Count(double.IsNaN);
        Statistics = SampleStatistics.Of(values, level).ClippedTo(metric.Range.Lower, metric.Range.Upper);
    }

    /// <summary>The method (or name of the maps) scored.</summary>
    public string Method { get; }

    /// <summary>The metric's key, e.g. <c>deletion_auc</c>.</summary>
    public string Metric { get; }

    /// <summary>
    /// In an all-classes run (<see cref="EvaluationBuilder.ForAllClasses"/>), the class c this result scores
    /// (every image's class-c map against class c's output; one value per image); null for a result over
    /// every image of a usual run, or over every (image, class) pair of an all-classes run.
    /// </summary>
    public int? Class { get; }

    /// <summary>The metric's printed name, e.g. <c>Deletion AUC</c>.</summary>
    public string DisplayName { get; }

    /// <summary>Whether larger or smaller values are better.</summary>
    public MetricDirection Direction { get; }

    /// <summary>
    /// One value per image, in input order; NaN for an image the metric could not score (see <see cref="Excluded"/>).
    /// For the overall result of an all-classes run, one value per (image, class) pair: value <c>n·C + c</c> is
    /// image n's class-c map scored against class c (the row order of the maps <c>[N, C, …]</c> reshaped to <c>[N·C, …]</c>).
    /// </summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>
    /// Images left out because their target probability was below the metric's minimum (Average Drop
    /// only); their <see cref="Values"/> are NaN and they are not in <see cref="Statistics"/>.
    /// </summary>
    public int Excluded { get; }

    /// <summary>Mean, standard deviation and confidence interval of the scored images.</summary>
    public SampleStatistics Statistics { get; }

    /// <summary>The mean over scored images (shorthand for <c>Statistics.Mean</c>).</summary>
    public double Mean => Statistics.Mean;

    /// <summary>The settings used, resolved for the inputs (e.g. features per step, steps run, removal value).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>
    /// Curve metrics: the target's softmax probability for every image before the first step and after
    /// each (<c>N</c> lists of <c>S + 1</c> values, ordered as <see cref="Values"/>); null for other metrics.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<float>>? Curves => _curves;

    /// <summary>The x coordinate of each curve point, <c>k / S</c> for k = 0…S; empty for metrics without curves.</summary>
    public IReadOnlyList<double> CurveFractions { get; }

    /// <summary>The curves as a new float32 tensor <c>[N, S + 1]</c> on the CPU, owned by the caller.</summary>
    /// <returns>The tensor.</returns>
    /// <exception cref="InvalidOperationException">The metric has no curves.</exception>
    public Tensor CurvesToTensor()
    {
        var curves = _curves ?? throw new InvalidOperationException($"{Metric} records no curves.");
        var length = curves.Length == 0 ? CurveFractions.Count : curves[0].Length;
        var flat = new float[curves.Length * length];
        for (var i = 0; i < curves.Length; i++)
        {
            curves[i].CopyTo(flat, i * length);
        }

        return tensor(flat, [curves.Length, length], float32);
    }

    internal static MetricResult Create(string method, EvaluationMetric metric, int features, double[] values, float[][]? curves, double level, int? classIndex = null) =>
        new(method, metric, values, curves, metric.CurveFractions(features), metric.Settings(features), level, classIndex);
}
