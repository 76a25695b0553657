namespace Xwp.Cli.Reproduction;

/// <summary>
/// Which test images a run evaluates (docs/methods.md#reproducing-table-1): the first ones of each class in file order, as
/// evenly as the limit allows (1,000 = 100 per class by default), or the whole split.
/// </summary>
internal static class TestSelection
{
    /// <summary>Indices into the test split, ascending.</summary>
    public static long[] Choose(IReadOnlyList<long> labels, int classes, int? limit)
    {
        if (limit is null || limit >= labels.Count)
        {
            return Enumerable.Range(0, labels.Count).Select(i => (long)i).ToArray();
        }

        var quota = new int[classes];
        for (var c = 0; c < classes; c++)
        {
            quota[c] = (limit.Value / classes) + (c < limit.Value % classes ? 1 : 0);
        }

        var chosen = new List<long>();
        for (var i = 0; i < labels.Count; i++)
        {
            var c = (int)labels[i];
            if (c >= 0 && c < classes && quota[c] > 0)
            {
                quota[c]--;
                chosen.Add(i);
            }
        }

        // A class with too few images leaves room: fill it with the next unused images in file order.
        for (var i = 0; i < labels.Count && chosen.Count < limit.Value; i++)
        {
            if (!chosen.Contains(i))
            {
                chosen.Add(i);
            }
        }

        chosen.Sort();
        return chosen.ToArray();
    }
}
