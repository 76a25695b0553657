using FluentAssertions;
using Xunit;
using Xwp.Data;

namespace Xwp.Tests.Data;

public sealed class DigitNormalizerTests
{
    [Fact]
    public void A_wide_bar_is_fitted_to_the_box_keeping_its_aspect_ratio()
    {
        // A 40×10 white bar on a 60×30 black canvas: the crop is 40×10, scale 20/40 = 0.5 -> 20×5, all 255.
        var (canvas, w, h) = Canvas(60, 30, (x, y) => x >= 7 && x < 47 && y >= 11 && y < 21 ? (byte)255 : (byte)0);
        var image = DigitNormalizer.Normalize(canvas, w, h, w)!;
        var lit = Enumerable.Range(0, 784).Where(i => image[i] > 0).ToList();
        lit.Should().HaveCount(100);
        image.Where(v => v > 0).Should().AllSatisfy(v => v.Should().Be(255));
        var xs = lit.Select(i => i % 28).ToList();
        var ys = lit.Select(i => i / 28).ToList();
        (xs.Max() - xs.Min() + 1).Should().Be(20);
        (ys.Max() - ys.Min() + 1).Should().Be(5);
        // Centre of mass of a uniform 20×5 block placed at (4, 12): (4 + 10, 12 + 2.5) = (14, 14.5), within half a pixel of 14.
        xs.Min().Should().Be(4);
        ys.Min().Should().BeOneOf(11, 12);
        var (cx, cy) = DigitNormalizer.CentreOfMass(image);
        Math.Abs(cx - 14).Should().BeLessThanOrEqualTo(0.5);
        Math.Abs(cy - 14).Should().BeLessThanOrEqualTo(0.5);
    }

    [Fact]
    public void Area_resampling_averages_what_each_target_pixel_covers()
    {
        // 4 source pixels [0, 60, 120, 180] to 3 targets of width 4/3:
        // t0 = (0·1 + 60·1/3)/(4/3) = 15; t1 = (60·2/3 + 120·2/3)/(4/3) = 90; t2 = (120·1/3 + 180·1)/(4/3) = 165.
        var result = DigitNormalizer.AreaResize([0, 60, 120, 180], 4, 1, 3, 1);
        result.Should().Equal([15, 90, 165], (a, b) => Math.Abs(a - b) < 1e-9);
        // Mass is kept up to the area factor: mean stays the same.
        result.Average().Should().BeApproximately(90, 1e-9);
    }

    [Fact]
    public void A_blank_canvas_has_no_digit()
    {
        var (canvas, w, h) = Canvas(10, 10, (_, _) => 0);
        DigitNormalizer.Normalize(canvas, w, h, w).Should().BeNull();
    }

    [Fact]
    public void An_off_centre_blob_is_moved_so_its_centre_of_mass_is_central()
    {
        // An L shape: heavy on the left, so its centre of mass is left of its box centre.
        var (canvas, w, h) = Canvas(50, 50, (x, y) => (x < 10 && y < 40) || (y >= 30 && y < 40 && x < 40) ? (byte)200 : (byte)0);
        var image = DigitNormalizer.Normalize(canvas, w, h, w)!;
        var (cx, cy) = DigitNormalizer.CentreOfMass(image);
        Math.Abs(cx - 14).Should().BeLessThanOrEqualTo(0.5);
        Math.Abs(cy - 14).Should().BeLessThanOrEqualTo(0.5);
        // The box itself is not centred: its left edge is further right than (28 - 20) / 2 = 4.
        Enumerable.Range(0, 784).Where(i => image[i] > 0).Min(i => i % 28).Should().BeGreaterThan(4);
    }

    private static (byte[] Canvas, int W, int H) Canvas(int w, int h, Func<int, int, byte> pixel)
    {
        var canvas = new byte[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                canvas[y * w + x] = pixel(x, y);
            }
        }

        return (canvas, w, h);
    }
}
