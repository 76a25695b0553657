using Xwp.Attribution.RandomBaseline;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// A random map, uniform in [0, 1), seeded per input row (the sanity row of every evaluation table:
    /// a method that does not beat it explains nothing). Results depend only on the seed and each row's
    /// position in the run, not on the batch size. Default seed 0.
    /// </summary>
    /// <param name="options">The seed; null for the defaults.</param>
    /// <returns>The method.</returns>
    public static AttributionMethod Random(RandomOptions? options = null)
    {
        options ??= new RandomOptions();
        options.Validate();
        return new RandomAttribution(options);
    }
}
