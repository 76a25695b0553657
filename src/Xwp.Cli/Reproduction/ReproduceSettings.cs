namespace Xwp.Cli.Reproduction;

/// <summary>What `xwp reproduce` was asked to do.</summary>
internal sealed record ReproduceSettings
{
    public IReadOnlyList<string> Datasets { get; init; } = ["fashion-mnist", "tmnist-style"];

    /// <summary>Test images per dataset (docs/methods.md#reproducing-table-1: 1,000, 100 per class); null = the whole split.</summary>
    public int? Limit { get; init; } = 1000;

    public int Epochs { get; init; } = 10;

    public long Seed { get; init; }

    public string OutputFolder { get; init; } = "xwp-report";

    public string Device { get; init; } = "cpu";

    public string? FashionMnistPath { get; init; }

    public string? TmnistCsvPath { get; init; }

    /// <summary>The methods of the table, made from the seed (tests swap in other options to see what a rerun recomputes).</summary>
    public Func<long, IReadOnlyList<ReproductionMethod>> Methods { get; init; } = ReproductionMethod.All;

    /// <summary>Deletion: 1% of the features per step, all steps (docs/methods.md#deletion-and-insertion-auc).</summary>
    public int DeletionSteps => 100;

    /// <summary>Average Drop: the top 20% removed (the paper's setting).</summary>
    public double AverageDropFraction => 0.2;
}
