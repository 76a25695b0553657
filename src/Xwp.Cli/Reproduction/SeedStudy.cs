namespace Xwp.Cli.Reproduction;

/// <summary>
/// Table 1 recomputed for networks trained with several seeds (`--seeds K`; docs/methods.md#stability-across-training-seeds):
/// per seed, the test accuracy and every paper method's mean Average Drop and Deletion AUC on the same test images.
/// </summary>
internal sealed record SeedStudy(IReadOnlyList<long> Seeds, IReadOnlyList<double> Accuracies, IReadOnlyList<SeedMethodValues> Methods, TimeSpan Elapsed)
{
    /// <summary>Rank of each method per seed on a metric (1 = best; ties share the mean rank), in <see cref="Methods"/> order.</summary>
    public double[][] Ranks(bool averageDrop)
    {
        var ranks = Methods.Select(_ => new double[Seeds.Count]).ToArray();
        for (var s = 0; s < Seeds.Count; s++)
        {
            var values = Methods.Select(m => averageDrop ? -m.AverageDrop[s] : m.DeletionAuc[s]).ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                var below = values.Count(v => v < values[i]);
                var equal = values.Count(v => v == values[i]);
                ranks[i][s] = below + ((equal + 1) / 2.0);
            }
        }

        return ranks;
    }

    /// <summary>Mean and sample standard deviation (divisor n − 1; 0 for one value).</summary>
    public static (double Mean, double Sd) MeanSd(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var sd = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, sd);
    }
}

/// <summary>One method's mean values, one per seed.</summary>
internal sealed record SeedMethodValues(string Key, string Label, double[] AverageDrop, double[] DeletionAuc);
