namespace Xwp.Data;

/// <summary>
/// The TMNIST recipe (the same as MNIST's) that turns a rendered glyph into a 28×28 image: crop to
/// the glyph's ink, scale it to fit a 20×20 box keeping its aspect ratio (area averaging, so thin
/// strokes become grey rather than vanish), round to 0–255, and place it in a black 28×28 frame so
/// that its centre of mass falls on the frame's centre (14, 14) to within half a pixel — or as near
/// as the frame allows when that shift would push the glyph out of it (a very top-heavy glyph).
/// </summary>
internal static class DigitNormalizer
{
    public const int Box = 20;
    public const int Side = LabeledPixels.Side;

    /// <summary>
    /// Normalises a coverage image (0–255, light glyph on black, row by row) of
    /// <paramref name="width"/> × <paramref name="height"/> pixels. Returns null when it has no ink.
    /// </summary>
    public static byte[]? Normalize(ReadOnlySpan<byte> coverage, int width, int height, int stride)
    {
        // 1. Crop to the ink.
        int left = width, right = -1, top = height, bottom = -1;
        for (var y = 0; y < height; y++)
        {
            var row = coverage.Slice(y * stride, width);
            for (var x = 0; x < width; x++)
            {
                if (row[x] != 0)
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        if (right < 0)
        {
            return null;
        }

        int w = right - left + 1, h = bottom - top + 1;

        // 2. Fit the longer side to the 20-pixel box; the shorter keeps the aspect ratio (at least 1 pixel).
        var scale = (double)Box / Math.Max(w, h);
        var fw = Math.Clamp((int)Math.Round(w * scale, MidpointRounding.AwayFromZero), 1, Box);
        var fh = Math.Clamp((int)Math.Round(h * scale, MidpointRounding.AwayFromZero), 1, Box);
        var source = new double[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                source[y * w + x] = coverage[(top + y) * stride + left + x];
            }
        }

        var fitted = AreaResize(source, w, h, fw, fh);

        // 3. Round to bytes before centring, so that the whole-pixel shift keeps the centre of mass exact.
        var glyph = new byte[fw * fh];
        for (var i = 0; i < glyph.Length; i++)
        {
            glyph[i] = (byte)Math.Clamp(Math.Round(fitted[i], MidpointRounding.AwayFromZero), 0, 255);
        }

        double mass = 0, mx = 0, my = 0;
        for (var y = 0; y < fh; y++)
        {
            for (var x = 0; x < fw; x++)
            {
                var v = glyph[y * fw + x];
                mass += v;
                mx += v * (x + 0.5);
                my += v * (y + 0.5);
            }
        }

        if (mass == 0)
        {
            return null;
        }

        // 4. Whole-pixel offsets that put the centre of mass nearest to (14, 14), kept inside the frame.
        var ox = Math.Clamp((int)Math.Round(Side / 2.0 - mx / mass, MidpointRounding.AwayFromZero), 0, Side - fw);
        var oy = Math.Clamp((int)Math.Round(Side / 2.0 - my / mass, MidpointRounding.AwayFromZero), 0, Side - fh);
        var image = new byte[Side * Side];
        for (var y = 0; y < fh; y++)
        {
            glyph.AsSpan(y * fw, fw).CopyTo(image.AsSpan((oy + y) * Side + ox, fw));
        }

        return image;
    }

    /// <summary>The centre of mass (x, y) of a 28×28 image, pixel centres at i + 0.5.</summary>
    public static (double X, double Y) CentreOfMass(ReadOnlySpan<byte> image)
    {
        double mass = 0, mx = 0, my = 0;
        for (var i = 0; i < image.Length; i++)
        {
            double v = image[i];
            mass += v;
            mx += v * (i % Side + 0.5);
            my += v * (i / Side + 0.5);
        }

        return mass == 0 ? (double.NaN, double.NaN) : (mx / mass, my / mass);
    }

    /// <summary>
    /// Resamples by area: each target pixel is the average of the source area it covers, with
    /// partial source pixels weighted by the covered fraction. Separable: rows first, then columns.
    /// </summary>
    internal static double[] AreaResize(double[] source, int w, int h, int tw, int th)
    {
        var rows = new double[tw * h];
        var wx = Weights(w, tw);
        for (var y = 0; y < h; y++)
        {
            for (var t = 0; t < tw; t++)
            {
                double sum = 0;
                foreach (var (index, weight) in wx[t])
                {
                    sum += source[y * w + index] * weight;
                }

                rows[y * tw + t] = sum;
            }
        }

        var result = new double[tw * th];
        var wy = Weights(h, th);
        for (var t = 0; t < th; t++)
        {
            for (var x = 0; x < tw; x++)
            {
                double sum = 0;
                foreach (var (index, weight) in wy[t])
                {
                    sum += rows[index * tw + x] * weight;
                }

                result[t * tw + x] = sum;
            }
        }

        return result;
    }

    /// <summary>For each of <paramref name="to"/> target pixels, the source pixels it covers and their weights (summing to 1).</summary>
    private static List<(int Index, double Weight)>[] Weights(int from, int to)
    {
        var weights = new List<(int, double)>[to];
        var step = (double)from / to;
        for (var t = 0; t < to; t++)
        {
            var start = t * step;
            var end = (t + 1) * step;
            var list = new List<(int, double)>();
            for (var s = (int)Math.Floor(start); s < Math.Min(from, (int)Math.Ceiling(end)); s++)
            {
                var overlap = Math.Min(end, s + 1) - Math.Max(start, s);
                if (overlap > 0)
                {
                    list.Add((s, overlap / step));
                }
            }

            weights[t] = list;
        }

        return weights;
    }
}
