using FluentAssertions;
using SkiaSharp;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

/// <summary>Helpers for the plotting tests: decoding PNGs, reading pixels, a scratch folder.</summary>
internal static class PlotAssert
{
    /// <summary>Decodes PNG bytes, failing the test when they are not a PNG.</summary>
    public static SKBitmap Decode(byte[] png)
    {
        png.Should().NotBeNull();
        png.Take(8).Should().Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], "a PNG starts with its signature");
        var bitmap = SKBitmap.Decode(png);
        bitmap.Should().NotBeNull("the PNG decodes");
        return bitmap;
    }

    /// <summary>The pixel's colour as (R, G, B), for readable assertion messages.</summary>
    public static (byte R, byte G, byte B) Rgb(this SKBitmap bitmap, int x, int y)
    {
        var c = bitmap.GetPixel(x, y);
        c.Alpha.Should().Be(255, $"pixel ({x}, {y}) is opaque");
        return (c.Red, c.Green, c.Blue);
    }

    public static (byte R, byte G, byte B) Rgb(this SKColor c) => (c.Red, c.Green, c.Blue);

    /// <summary>Whether every pixel of the rectangle is the figure's white background.</summary>
    public static bool AllWhite(SKBitmap bitmap, int left, int top, int width, int height)
    {
        for (var y = top; y < top + height; y++)
        {
            for (var x = left; x < left + width; x++)
            {
                if (bitmap.GetPixel(x, y) != SKColors.White)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether the two rectangles (same size) have identical pixels.</summary>
    public static bool SamePixels(SKBitmap bitmap, int leftA, int topA, int leftB, int topB, int width, int height)
    {
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (bitmap.GetPixel(leftA + x, topA + y) != bitmap.GetPixel(leftB + x, topB + y))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The font the tests draw text with; CI installs fonts-dejavu-core, so a missing font fails loudly.</summary>
    public static string RequireFont()
    {
        var font = PlotFonts.DefaultFontFile;
        font.Should().NotBeNull("a font must be installed for the text tests (Debian: apt-get install fonts-dejavu-core)");
        return font!;
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xwp-plotting-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
