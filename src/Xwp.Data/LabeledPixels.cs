namespace Xwp.Data;

/// <summary>
/// Images as they come from a file: 28×28 uint8 pixels (light on black, 0–255) row by row, an
/// int64 label per image, and for font data the font (style) of each image.
/// </summary>
internal sealed class LabeledPixels
{
    public const int Side = 28;
    public const int PixelCount = Side * Side;

    public LabeledPixels(byte[] pixels, long[] labels, string[]? fonts = null, IReadOnlyDictionary<string, string>? families = null)
    {
        if (pixels.Length != (long)labels.Length * PixelCount)
        {
            throw new ArgumentException($"{pixels.Length} pixel bytes do not make {labels.Length} images of {PixelCount} pixels.", nameof(pixels));
        }

        if (fonts is not null && fonts.Length != labels.Length)
        {
            throw new ArgumentException($"{fonts.Length} font names for {labels.Length} images.", nameof(fonts));
        }

        Pixels = pixels;
        Labels = labels;
        Fonts = fonts;
        Families = families;
    }

    public byte[] Pixels { get; }

    public long[] Labels { get; }

    /// <summary>The font (style) name of each row, or null for data without fonts.</summary>
    public string[]? Fonts { get; }

    /// <summary>Family of each font name in <see cref="Fonts"/>; null when unknown.</summary>
    public IReadOnlyDictionary<string, string>? Families { get; }

    public int Count => Labels.Length;

    /// <summary>The rows whose index is selected, in order.</summary>
    public LabeledPixels Select(IReadOnlyList<int> rows)
    {
        var pixels = new byte[(long)rows.Count * PixelCount];
        var labels = new long[rows.Count];
        var fonts = Fonts is null ? null : new string[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            Array.Copy(Pixels, (long)r * PixelCount, pixels, (long)i * PixelCount, PixelCount);
            labels[i] = Labels[r];
            if (fonts is not null)
            {
                fonts[i] = Fonts![r];
            }
        }

        return new LabeledPixels(pixels, labels, fonts, Families);
    }

    /// <summary>Rows of <paramref name="first"/> followed by rows of <paramref name="second"/>.</summary>
    public static LabeledPixels Concat(LabeledPixels first, LabeledPixels second)
    {
        var pixels = new byte[first.Pixels.LongLength + second.Pixels.LongLength];
        first.Pixels.CopyTo(pixels, 0);
        second.Pixels.CopyTo(pixels, first.Pixels.LongLength);
        return new LabeledPixels(pixels, [.. first.Labels, .. second.Labels]);
    }
}
