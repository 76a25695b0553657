using System.Diagnostics;
using static TorchSharp.torch;

namespace Xwp.Cli.Reproduction;

/// <summary>One protocol of the study, scored on one dataset: our value per method of Table 1 and the distance to the paper's.</summary>
/// <param name="Protocol">The protocol; plateau truncations keep their rule.</param>
/// <param name="Steps">Deletion steps run (the plateau rule's result for plateau truncations).</param>
/// <param name="FeaturesRemoved">Features removed after the last deletion step.</param>
/// <param name="AverageDrop">Mean Average Drop per method, in the paper's column order.</param>
/// <param name="DeletionAuc">Mean Deletion AUC per method, in the paper's column order.</param>
internal sealed record StudyEntry(Protocol Protocol, int Steps, int FeaturesRemoved, double[] AverageDrop, double[] DeletionAuc)
{
    public double RmseAverageDrop { get; init; }

    public double RmseDeletionAuc { get; init; }

    /// <summary>The RMSE over all 14 numbers: <c>sqrt((RMSE_AD² + RMSE_AUC²)/2)</c>; the study ranks by it.</summary>
    public double Distance => Math.Sqrt(((RmseAverageDrop * RmseAverageDrop) + (RmseDeletionAuc * RmseDeletionAuc)) / 2);

    public double SpearmanAverageDrop { get; init; }

    public double SpearmanDeletionAuc { get; init; }
}

/// <summary>The study on one dataset, entries ranked by <see cref="StudyEntry.Distance"/>.</summary>
internal sealed record ProtocolStudyResult(
    string DatasetKey,
    string DatasetName,
    int Images,
    IReadOnlyList<string> Columns,
    double[] PaperAverageDrop,
    double[] PaperDeletionAuc,
    IReadOnlyList<StudyEntry> Entries,
    int CurveRuns,
    TimeSpan Elapsed)
{
    public StudyEntry Best => Entries[0];

    /// <summary>The entry of our default protocol.</summary>
    public StudyEntry Default => Entries.First(e => e.Protocol == Protocol.Default);
}

/// <summary>
/// Re-scores the maps of Table 1's seven methods under a grid of protocols (docs/methods.md#the-protocol-study).
/// The expensive part is run once per removal value: one single-feature deletion curve per image over all D features,
/// as probability and as logit, and Average Drop at each fraction. Every deletion protocol — 1-feature or 1% steps, any
/// truncation, either x scaling — is then read off the mean curves: a 1% step schedule removes the same features in the
/// same order, so its curve is the single-feature curve sampled at its counts, and the trapezoid area is linear, so the
/// mean of the per-image AUCs is the AUC of the mean curve. The grid is the full product of its axes.
/// </summary>
internal static class ProtocolStudy
{
    public static readonly double[] AverageDropFractions = [0.1, 0.2, 0.3];

    public static readonly int[] StepCounts = [10, 25, 50, 100, 200];

    public static readonly double[] Fractions = [0.05, 0.1, 0.25, 0.5];

    /// <summary>The flattening rule's look-ahead: the steps that remove 10% of the features.</summary>
    public const double PlateauWindow = 0.1;

    /// <summary>Curve runs per dataset: removal values × methods × 2 scores (what the progress counts).</summary>
    public static int Runs(int methods) => Enum.GetValues<RemovalKind>().Length * methods * 2;

    public static ProtocolStudyResult Run(
        string datasetKey,
        string datasetName,
        Fcnn model,
        Tensor inputs,
        Tensor targets,
        IReadOnlyList<(string Column, Tensor Map)> methods,
        Func<IReadOnlyList<float>> datasetMean,
        long seed,
        Action<long> reportDone,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var features = (int)inputs.shape[1];
        var columns = methods.Select(m => m.Column).ToList();
        var paperAd = columns.Select(c => PaperTable.For(datasetKey, c)!.Value.AverageDrop).ToArray();
        var paperAuc = columns.Select(c => PaperTable.For(datasetKey, c)!.Value.DeletionAuc).ToArray();
        var entries = new List<StudyEntry>();
        var done = 0L;
        foreach (var removal in Enum.GetValues<RemovalKind>())
        {
            var value = Protocol.Value(removal, datasetMean, seed);
            var averageDrop = AverageDropFractions.ToDictionary(
                f => f,
                f => methods.Select(m => Metrics.AverageDrop(new AverageDropOptions { Fraction = f, RemovalValue = value })
                    .Score(model, inputs, targets, m.Map, cancellationToken: cancellationToken).Mean).ToArray());
            var meanCurves = new Dictionary<CurveScore, double[][]>();
            foreach (var score in new[] { CurveScore.Probability, CurveScore.Logit })
            {
                var metric = Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1, RemovalValue = value, Score = score });
                meanCurves[score] = methods.Select(m =>
                {
                    var curves = metric.Score(model, inputs, targets, m.Map, cancellationToken: cancellationToken).Curves!;
                    reportDone(++done);
                    return MeanCurve(curves);
                }).ToArray();
            }

            foreach (var (deletion, steps, auc) in DeletionVariants(removal, meanCurves, features))
            {
                foreach (var fraction in AverageDropFractions)
                {
                    var ad = averageDrop[fraction];
                    var protocol = deletion with { AverageDropFraction = fraction };
                    entries.Add(new StudyEntry(protocol, steps, protocol.Counts(features)[steps], ad, auc)
                    {
                        RmseAverageDrop = PaperDistance.Rmse(ad, paperAd),
                        RmseDeletionAuc = PaperDistance.Rmse(auc, paperAuc),
                        SpearmanAverageDrop = PaperDistance.Spearman(ad, paperAd),
                        SpearmanDeletionAuc = PaperDistance.Spearman(auc, paperAuc),
                    });
                }
            }
        }

        var ranked = entries.OrderBy(e => e.Distance).ToList();
        return new ProtocolStudyResult(datasetKey, datasetName, (int)inputs.shape[0], columns, paperAd, paperAuc, ranked, (int)done, watch.Elapsed);
    }

    /// <summary>
    /// Every deletion protocol for one removal value with its steps and per-method AUC, from the mean single-feature
    /// curves (<c>[method][features removed]</c>, D + 1 points) of each score. Fixed truncations that give the same
    /// steps as an earlier one are left out; an untruncated curve is listed with one x scaling (both give the same area).
    /// </summary>
    public static IEnumerable<(Protocol Protocol, int Steps, double[] Auc)> DeletionVariants(
        RemovalKind removal, IReadOnlyDictionary<CurveScore, double[][]> meanCurves, int features)
    {
        foreach (var (score, curves) in meanCurves)
        {
            foreach (var single in new[] { false, true })
            {
                var template = Protocol.Default with { Removal = removal, SingleFeatureSteps = single, Score = score };
                var counts = template.Counts(features);
                var full = counts.Count - 1;
                var sampled = curves.Select(c => counts.Select(n => c[n]).ToArray()).ToArray();
                var seen = new HashSet<int>();
                foreach (var truncation in Truncations())
                {
                    var steps = truncation.Kind switch
                    {
                        TruncationKind.All => full,
                        TruncationKind.Steps => (int)truncation.Value,
                        TruncationKind.Fraction => template.StepsFor(truncation.Value, features),
                        TruncationKind.PlateauFirst => PlateauRule.Steps(sampled, last: false),
                        TruncationKind.PlateauAll => PlateauRule.Steps(sampled, last: true),
                        _ => PlateauRule.FlatSteps(sampled, template.StepsFor(PlateauWindow, features)),
                    };
                    var isRule = truncation.Kind is TruncationKind.PlateauFirst or TruncationKind.PlateauAll or TruncationKind.Flattened;
                    if (steps > full || (truncation.Kind == TruncationKind.Steps && steps == full) || (!isRule && !seen.Add(steps)))
                    {
                        continue;
                    }

                    foreach (var axis in new[] { CurveAxis.StepsRun, CurveAxis.AllFeatures })
                    {
                        if (axis == CurveAxis.AllFeatures && steps == full)
                        {
                            continue;
                        }

                        var auc = sampled.Select(c => Area(c, counts, steps, axis, features)).ToArray();
                        yield return (template with { Truncation = truncation, XAxis = axis }, steps, auc);
                    }
                }
            }
        }
    }

    /// <summary>The truncations of the grid, in the order they are listed.</summary>
    public static IEnumerable<Truncation> Truncations() =>
    [
        Truncation.None,
        .. StepCounts.Select(s => new Truncation(TruncationKind.Steps, s)),
        .. Fractions.Select(f => new Truncation(TruncationKind.Fraction, f)),
        new Truncation(TruncationKind.PlateauFirst),
        new Truncation(TruncationKind.PlateauAll),
        new Truncation(TruncationKind.Flattened),
    ];

    /// <summary>
    /// The trapezoid area of the first <paramref name="steps"/> steps of a curve sampled at <paramref name="counts"/>:
    /// x = k/steps, or x = counts[k]/D with <see cref="CurveAxis.AllFeatures"/> — what Deletion AUC computes.
    /// </summary>
    public static double Area(IReadOnlyList<double> curve, IReadOnlyList<int> counts, int steps, CurveAxis axis, int features)
    {
        var sum = 0.0;
        for (var k = 0; k < steps; k++)
        {
            var width = axis == CurveAxis.StepsRun ? 1.0 / steps : (counts[k + 1] - counts[k]) / (double)features;
            sum += width * (curve[k] + curve[k + 1]) / 2;
        }

        return sum;
    }

    private static double[] MeanCurve(IReadOnlyList<IReadOnlyList<float>> curves)
    {
        var mean = new double[curves[0].Count];
        foreach (var curve in curves)
        {
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += curve[i];
            }
        }

        for (var i = 0; i < mean.Length; i++)
        {
            mean[i] /= curves.Count;
        }

        return mean;
    }
}
