using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>
/// A diverging colour map for signed values: negative values go towards <see cref="Negative"/>, zero is
/// <see cref="Neutral"/>, positive values go towards <see cref="Positive"/>. The colour stops are spread
/// evenly over <c>[-1, 1]</c> and colours in between are interpolated linearly in sRGB, so
/// <c>Map(-1)</c>, <c>Map(0)</c> and <c>Map(1)</c> are exactly the first, middle and last stop.
/// </summary>
public sealed class DivergingColorMap
{
    private readonly SKColor[] _stops;

    /// <summary>Creates a colour map from an odd number (at least 3) of opaque colour stops; the middle stop is the colour of zero.</summary>
    /// <param name="stops">The colours at evenly spaced points of <c>[-1, 1]</c>, from the most negative to the most positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stops"/> is null.</exception>
    /// <exception cref="ArgumentException">There are fewer than 3 stops, an even number of them, or a stop is not fully opaque.</exception>
    public DivergingColorMap(IReadOnlyList<SKColor> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        if (stops.Count < 3 || stops.Count % 2 == 0)
        {
            throw new ArgumentException($"A diverging colour map needs an odd number (at least 3) of stops, got {stops.Count}.", nameof(stops));
        }

        for (var i = 0; i < stops.Count; i++)
        {
            if (stops[i].Alpha != 255)
            {
                throw new ArgumentException($"Stop {i} ({stops[i]}) is not fully opaque.", nameof(stops));
            }
        }

        _stops = [.. stops];
    }

    /// <summary>
    /// Blue (negative) – white (zero) – red (positive), with a dark and a light step on either side. Blue
    /// against red stays distinguishable for the common red–green colour-vision deficiencies. The default.
    /// </summary>
    public static DivergingColorMap BlueWhiteRed { get; } = new(
    [
        new SKColor(0x1F, 0x4E, 0x9A), new SKColor(0x8C, 0xB6, 0xDC), new SKColor(0xFF, 0xFF, 0xFF),
        new SKColor(0xEE, 0x9C, 0x86), new SKColor(0xB0, 0x1C, 0x2E),
    ]);

    /// <summary>Purple (negative) – white (zero) – green (positive); an alternative that avoids red entirely.</summary>
    public static DivergingColorMap PurpleWhiteGreen { get; } = new(
    [
        new SKColor(0x5E, 0x2A, 0x84), new SKColor(0xC2, 0xA5, 0xCF), new SKColor(0xFF, 0xFF, 0xFF),
        new SKColor(0xA6, 0xDB, 0xA0), new SKColor(0x1B, 0x78, 0x37),
    ]);

    /// <summary>The colour of -1 (the most negative value of a map).</summary>
    public SKColor Negative => _stops[0];

    /// <summary>The colour of 0.</summary>
    public SKColor Neutral => _stops[_stops.Length / 2];

    /// <summary>The colour of +1 (the most positive value of a map).</summary>
    public SKColor Positive => _stops[^1];

    /// <summary>The colour stops, from the most negative to the most positive.</summary>
    public IReadOnlyList<SKColor> Stops => _stops;

    /// <summary>The colour of a value already scaled to <c>[-1, 1]</c>; values outside are clamped.</summary>
    /// <param name="t">The scaled value.</param>
    /// <returns>The interpolated opaque colour.</returns>
    /// <exception cref="ArgumentException"><paramref name="t"/> is NaN.</exception>
    public SKColor Map(double t)
    {
        if (double.IsNaN(t))
        {
            throw new ArgumentException("Cannot map NaN to a colour.", nameof(t));
        }

        t = Math.Clamp(t, -1.0, 1.0);
        var position = (t + 1.0) / 2.0 * (_stops.Length - 1);
        var lower = Math.Min((int)Math.Floor(position), _stops.Length - 2);
        var fraction = position - lower;
        var a = _stops[lower];
        var b = _stops[lower + 1];
        return new SKColor(Mix(a.Red, b.Red, fraction), Mix(a.Green, b.Green, fraction), Mix(a.Blue, b.Blue, fraction));
    }

    private static byte Mix(byte a, byte b, double fraction) =>
        (byte)Math.Round(a + ((b - a) * fraction), MidpointRounding.AwayFromZero);
}
