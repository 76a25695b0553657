namespace Xwp.Plotting;

/// <summary>
/// How <see cref="HeatmapGrid"/> colours a map whose values all have one sign (all ≥ 0, like RISE's, or
/// all ≤ 0) and whose smallest |value| is above zero. On the symmetric scale such a map uses only the
/// upper part of one half of the colour map, so it looks like one flat colour and hides its structure.
/// </summary>
public enum OneSignedScale
{
    /// <summary>
    /// A sequential scale over the map's own range: its smallest |value| is drawn in the neutral colour
    /// (white) and its largest (or <see cref="HeatmapGridOptions.ScalePercentile"/> of |value|) at the end of
    /// its sign's half of the colour map, linearly in between. White then means "the map's minimum", not zero,
    /// and the column's title says so with <c>(min–max)</c> when every map in it is drawn this way. The default.
    /// </summary>
    MinToMax,

    /// <summary>Like maps with both signs: symmetric about zero, scaled by the map's largest |value|.</summary>
    SymmetricAboutZero,
}
