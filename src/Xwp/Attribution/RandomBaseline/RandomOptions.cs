namespace Xwp;

/// <summary>Options of the random reference map: uniform values in [0, 1), seeded per input row.</summary>
public sealed record RandomOptions
{
    /// <summary>The seed. Row r of a run draws from a generator derived from (seed, r), whatever the batch size. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Checks every option; every seed is valid, so it never throws (present for symmetry with the other options).</summary>
    public void Validate()
    {
    }
}
