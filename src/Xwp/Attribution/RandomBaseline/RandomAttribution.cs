using static TorchSharp.torch;

namespace Xwp.Attribution.RandomBaseline;

// The folder and namespace are not called "Random": a namespace Xwp.Attribution.Random would hide
// System.Random from every other Xwp.Attribution.* namespace.

/// <summary>A random map: uniform in [0, 1), drawn per row from (seed, global row index).</summary>
internal sealed class RandomAttribution(RandomOptions options) : AttributionMethod
{
    public RandomOptions Options { get; } = options;

    public override string Name => "random";

    /// <summary>The map is drawn into a new tensor.</summary>
    internal override bool ReturnsOwnedMap => true;

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        var (rows, features) = (batch.Inputs.shape[0], batch.Features);
        var map = empty(rows, features, dtype: float32);
        for (long r = 0; r < rows; r++)
        {
            using var generator = Seeding.ForRow(Options.Seed, batch.Offset + r);
            using var values = rand([features], generator: generator);
            map.select(0, r).copy_(values);
        }

        return map.to(batch.Inputs.device).reshape(batch.Inputs.shape);
    }
}
