using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>Pixel work shared by the grids: cells, scaling, text, colour bars, PNG output.</summary>
internal static class Drawing
{
    /// <summary>The largest picture side, in pixels, that the grids will draw.</summary>
    public const int MaxSide = 16_384;

    /// <summary>The colour of the figure's background.</summary>
    public static readonly SKColor Background = SKColors.White;

    /// <summary>The colour of text.</summary>
    public static readonly SKColor Ink = new(0x20, 0x20, 0x20);

    /// <summary>The colour of the thin frame around each cell.</summary>
    public static readonly SKColor Frame = new(0xB0, 0xB0, 0xB0);

    /// <summary>Height of a band holding one line of text of the given size.</summary>
    public static int TextBand(float fontSize) => (int)Math.Ceiling(fontSize * 1.6);

    /// <summary>Height of the title band (the title is drawn 1.3× larger than other text).</summary>
    public static int TitleBand(float fontSize) => (int)Math.Ceiling(fontSize * 2.2);

    /// <summary>Height of the colour bar band: a gap, the bar, and a line of labels.</summary>
    public static int ColorBarBand(float fontSize) => BarGap(fontSize) + BarThickness(fontSize) + TextBand(fontSize);

    private static int BarGap(float fontSize) => (int)Math.Ceiling(fontSize * 0.5);

    private static int BarThickness(float fontSize) => (int)Math.Ceiling(fontSize * 0.8);

    /// <summary>A white bitmap of the given size, or an exception when it would be too large.</summary>
    public static SKBitmap NewBitmap(int width, int height, string paramName)
    {
        if (width > MaxSide || height > MaxSide)
        {
            throw new ArgumentException($"The picture would be {width}×{height} pixels; the limit is {MaxSide} per side. Use fewer rows or a smaller scale.", paramName);
        }

        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(Background);
        return bitmap;
    }

    /// <summary>
    /// The symmetric scale of a signed map: the given percentile (0–100] of |value| (100 = the maximum),
    /// linearly interpolated between order statistics. Zero for an all-zero map.
    /// </summary>
    public static double SymmetricScale(float[] values, double percentile)
    {
        if (percentile >= 100.0)
        {
            var max = 0.0;
            foreach (var v in values)
            {
                max = Math.Max(max, Math.Abs((double)v));
            }

            return max;
        }

        var sorted = values.Select(v => Math.Abs((double)v)).ToArray();
        Array.Sort(sorted);
        var rank = percentile / 100.0 * (sorted.Length - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (rank - lower));
    }

    /// <summary>Paints a signed map as a cell at (x, y), each value a scale×scale block, coloured at its position on <paramref name="range"/>.</summary>
    public static void PaintSigned(SKCanvas canvas, float[] values, int width, int x, int y, int scale, DivergingColorMap map, MapScale range)
    {
        using var paint = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        for (var i = 0; i < values.Length; i++)
        {
            var t = range.Position(values[i]);
            paint.Color = double.IsNaN(t) ? map.Neutral : map.Map(t);
            canvas.DrawRect(x + (i % width * scale), y + (i / width * scale), scale, scale, paint);
        }
    }

    /// <summary>Paints an image in [0, 1] as grayscale (0 black, 1 white, or the reverse); values outside are clamped.</summary>
    public static void PaintGray(SKCanvas canvas, float[] values, int width, int x, int y, int scale, bool invert)
    {
        using var paint = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        for (var i = 0; i < values.Length; i++)
        {
            var v = Math.Clamp(values[i], 0f, 1f);
            var level = (byte)Math.Round((invert ? 1f - v : v) * 255f, MidpointRounding.AwayFromZero);
            paint.Color = new SKColor(level, level, level);
            canvas.DrawRect(x + (i % width * scale), y + (i / width * scale), scale, scale, paint);
        }
    }

    /// <summary>A one-pixel frame just outside the cell, drawn only where the gap leaves room for it.</summary>
    public static void FrameCell(SKCanvas canvas, int x, int y, int width, int height, int gap)
    {
        if (gap < 2)
        {
            return;
        }

        using var paint = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = Frame };
        canvas.DrawRect(x - 0.5f, y - 0.5f, width + 1, height + 1, paint);
    }

    /// <summary>
    /// A horizontal colour bar over [-1, 1] in <paramref name="left"/>..<paramref name="left"/>+<paramref name="width"/>,
    /// starting at <paramref name="top"/>, with "−max", "0", "+max" under it.
    /// </summary>
    public static void ColorBar(SKCanvas canvas, TextPainter text, DivergingColorMap map, int left, int top, int width, float fontSize)
    {
        var barTop = top + BarGap(fontSize);
        var thickness = BarThickness(fontSize);
        using (var paint = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill })
        {
            for (var i = 0; i < width; i++)
            {
                paint.Color = map.Map((((i + 0.5) / width) * 2.0) - 1.0);
                canvas.DrawRect(left + i, barTop, 1, thickness, paint);
            }
        }

        FrameCell(canvas, left, barTop, width, thickness, gap: 2);
        var labelTop = barTop + thickness;
        var band = TextBand(fontSize);
        var third = width / 3f;
        text.Draw(canvas, "−max |value|", new SKRect(left, labelTop, left + third, labelTop + band), fontSize, SKTextAlign.Left);
        text.Draw(canvas, "0", new SKRect(left + third, labelTop, left + (2 * third), labelTop + band), fontSize, SKTextAlign.Center);
        text.Draw(canvas, "+max |value|", new SKRect(left + (2 * third), labelTop, left + width, labelTop + band), fontSize, SKTextAlign.Right);
    }

    /// <summary>The bitmap as PNG bytes.</summary>
    public static byte[] EncodePng(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the picture as PNG.");
        return data.ToArray();
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> with Xwp's one safe writer: through a temporary
    /// file in the target's folder (a reader never sees half a picture), through symbolic links to their target,
    /// refusing FIFOs, devices and folders. A missing folder is created first, as the Save methods document.
    /// </summary>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        Xwp.IO.AtomicFile.Write(path, bytes);
    }

    /// <summary>Checks a path argument of a Save method.</summary>
    public static void CheckPath(string path, string paramName)
    {
        ArgumentNullException.ThrowIfNull(path, paramName);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The path is empty.", paramName);
        }
    }
}

/// <summary>Draws single lines of text fitted into rectangles; draws nothing when there is no font.</summary>
internal sealed class TextPainter(FontFaces? faces)
{
    private const float MinimumSize = 6f;

    /// <summary>Whether any text will appear.</summary>
    public bool HasFont => faces is not null;

    /// <summary>
    /// Splits <paramref name="text"/> at the space that best balances two lines when it is wider than
    /// <paramref name="width"/> and has a space; otherwise returns it as one line. Without a font, one line.
    /// </summary>
    public string[] Wrap(string? text, float width, float size, bool bold = false)
    {
        if (faces is null || string.IsNullOrEmpty(text))
        {
            return [text ?? string.Empty];
        }

        using var font = new SKFont(bold ? faces.Bold : faces.Regular, size);
        if (font.MeasureText(text) <= width || !text.Contains(' ', StringComparison.Ordinal))
        {
            return [text];
        }

        string[] best = [text];
        var bestWidth = float.MaxValue;
        for (var i = text.IndexOf(' ', StringComparison.Ordinal); i >= 0; i = text.IndexOf(' ', i + 1))
        {
            var first = text[..i].TrimEnd();
            var second = text[(i + 1)..].TrimStart();
            var widest = Math.Max(font.MeasureText(first), font.MeasureText(second));
            if (first.Length > 0 && second.Length > 0 && widest < bestWidth)
            {
                (best, bestWidth) = ([first, second], widest);
            }
        }

        return best;
    }

    /// <summary>
    /// Draws <paramref name="text"/> vertically centred in <paramref name="box"/>, aligned as asked; shrinks
    /// the font (down to 6 px) to fit the width, then shortens the text with an ellipsis.
    /// </summary>
    public void Draw(SKCanvas canvas, string? text, SKRect box, float size, SKTextAlign align, bool bold = false)
    {
        if (faces is null || string.IsNullOrEmpty(text) || box.Width <= 0 || box.Height <= 0)
        {
            return;
        }

        using var font = new SKFont(bold ? faces.Bold : faces.Regular, size) { Edging = SKFontEdging.Antialias, Subpixel = true };
        var measured = font.MeasureText(text);
        if (measured > box.Width)
        {
            font.Size = Math.Max(MinimumSize, size * box.Width / measured);
            while (text.Length > 1 && font.MeasureText(text) > box.Width)
            {
                text = text[..^(text.EndsWith('…') ? 2 : 1)] + "…";
            }
        }

        var metrics = font.Metrics;
        var baseline = box.MidY - ((metrics.Ascent + metrics.Descent) / 2f);
        var x = align switch
        {
            SKTextAlign.Left => box.Left,
            SKTextAlign.Right => box.Right,
            _ => box.MidX,
        };
        using var paint = new SKPaint { IsAntialias = true, Color = Drawing.Ink };
        canvas.DrawText(text, x, baseline, align, font, paint);
    }
}
