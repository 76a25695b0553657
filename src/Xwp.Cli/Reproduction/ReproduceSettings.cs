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

    /// <summary>How Table 1 is scored: our documented protocol by default, or a preset of `--protocol` (docs/methods.md#the-protocol-study).</summary>
    public Protocol Protocol { get; init; } = Protocol.Default;

    /// <summary>The preset's name, as the report prints it.</summary>
    public string ProtocolName { get; init; } = "default";

    /// <summary>Whether to re-score the maps under the study's grid of protocols and write protocols.md/.json/.csv.</summary>
    public bool ProtocolStudy { get; init; }

    /// <summary>Images (the first of the selection) on which Max-Sensitivity and the randomisation test run (docs/methods.md#the-claims-table).</summary>
    public int ClaimImages { get; init; } = 50;

    /// <summary>Perturbations per image of Max-Sensitivity in the report (radius 0.02, Captum's).</summary>
    public int SensitivitySamples { get; init; } = 3;

    /// <summary>Training seeds of the seed-stability study: 1 (default) runs none; K ≥ 2 trains K networks, seeds Seed … Seed + K − 1.</summary>
    public int Seeds { get; init; } = 1;
}
