namespace Xwp.Cli.Reproduction;

/// <summary>The paper's Table 1 (Lympelopoulos &amp; Kanellopoulou; docs/methods.md#the-papers-table-1): Average Drop ↑ and Deletion AUC ↓.</summary>
internal static class PaperTable
{
    private static readonly Dictionary<(string Dataset, string Column), (double AverageDrop, double DeletionAuc)> Values = new()
    {
        [("tmnist", "OCCL")] = (0.327, 0.126),
        [("tmnist", "SHAP")] = (0.357, 0.095),
        [("tmnist", "RISE")] = (0.33, 0.17),
        [("tmnist", "IG")] = (0.35, 0.157),
        [("tmnist", "LRP")] = (0.285, 0.203),
        [("tmnist", "XWP")] = (0.308, 0.138),
        [("tmnist", "XWP^c")] = (0.352, 0.162),
        [("fashion-mnist", "OCCL")] = (0.636, 0.489),
        [("fashion-mnist", "SHAP")] = (0.633, 0.491),
        [("fashion-mnist", "RISE")] = (0.622, 0.564),
        [("fashion-mnist", "IG")] = (0.661, 0.461),
        [("fashion-mnist", "LRP")] = (0.645, 0.551),
        [("fashion-mnist", "XWP")] = (0.647, 0.473),
        [("fashion-mnist", "XWP^c")] = (0.655, 0.524),
    };

    /// <summary>The paper's values for a column of Table 1 on a dataset (TMNIST-style data compares with TMNIST), or null.</summary>
    public static (double AverageDrop, double DeletionAuc)? For(string datasetKey, string? column)
    {
        if (column is null)
        {
            return null;
        }

        var key = datasetKey.StartsWith("tmnist", StringComparison.Ordinal) ? "tmnist" : datasetKey;
        return Values.TryGetValue((key, column), out var v) ? v : null;
    }
}
