namespace Xwp.Plotting;

/// <summary>One row of a <see cref="HeatmapGrid"/>: a sample image, its attribution maps (one per method, in the grid's method order) and an optional label.</summary>
/// <param name="Input">The image, row-major, <c>ImageHeight × ImageWidth</c> values in [0, 1] (values outside are clamped when drawn).</param>
/// <param name="Maps">One attribution map per method, each row-major <c>ImageHeight × ImageWidth</c> finite values of any sign.</param>
/// <param name="Label">Text left of the row, e.g. the class name; null for none.</param>
public sealed record HeatmapRow(float[] Input, IReadOnlyList<float[]> Maps, string? Label = null);
