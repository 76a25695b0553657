using Xwp.Attribution.InputMagnitude;

namespace Xwp;

public static partial class Attributions
{
    /// <summary>
    /// Input magnitude, <c>|x|</c>: the map that ranks bright pixels first and ignores the model (docs/methods.md#random-and-input-magnitude:
    /// a reference row for every evaluation table, with <see cref="Random(RandomOptions?)"/>).
    /// </summary>
    /// <returns>The method.</returns>
    public static AttributionMethod InputMagnitude() => new InputMagnitudeAttribution();
}
