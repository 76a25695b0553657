using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// Seeded randomness for attribution methods. A method's seed is given once in its options; each
/// input row gets its own generator derived from (seed, global row index), so a row's result does
/// not depend on which batch it falls in. The library never touches torch's global generator.
/// </summary>
internal static class Seeding
{
    /// <summary>A CPU generator for row <paramref name="row"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static Generator ForRow(long seed, long row) => new(Mix(seed, row), CPU);

    /// <summary>A CPU generator for per-call randomness shared by every row (e.g. RISE masks).</summary>
    public static Generator Shared(long seed) => new(Mix(seed, -1), CPU);

    /// <summary>SplitMix64 of the pair: nearby seeds and rows give unrelated streams.</summary>
    internal static ulong Mix(long seed, long row)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)row + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
