namespace Xwp.Data;

/// <summary>
/// The ten digits 0–9 of one font style as 28×28 TMNIST-style images (light on black), 7,840 bytes
/// in digit order.
/// </summary>
/// <param name="Name">The font style's name, from its file name as TMNIST writes it (e.g. <c>Roboto-BoldItalic</c>; see FontDigitRenderer.StyleName).</param>
/// <param name="Family">The font's family name (e.g. <c>Roboto</c>).</param>
/// <param name="File">The font file it was rendered from; null when unknown (embedded data).</param>
/// <param name="Pixels">10 × 784 bytes, digit 0 first.</param>
internal sealed record DigitSet(string Name, string Family, string? File, byte[] Pixels)
{
    public const int Digits = 10;
    public const int Bytes = Digits * LabeledPixels.PixelCount;

    /// <summary>Rows in set order, digits 0–9 within each set.</summary>
    public static LabeledPixels ToLabeledPixels(IReadOnlyList<DigitSet> sets)
    {
        var pixels = new byte[(long)sets.Count * Bytes];
        var labels = new long[sets.Count * Digits];
        var fonts = new string[sets.Count * Digits];
        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var s = 0; s < sets.Count; s++)
        {
            sets[s].Pixels.CopyTo(pixels, (long)s * Bytes);
            families[sets[s].Name] = sets[s].Family;
            for (var d = 0; d < Digits; d++)
            {
                labels[s * Digits + d] = d;
                fonts[s * Digits + d] = sets[s].Name;
            }
        }

        return new LabeledPixels(pixels, labels, fonts, families);
    }
}
