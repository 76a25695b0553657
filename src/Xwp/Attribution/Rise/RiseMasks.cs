using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Xwp.Attribution.Rise;

/// <summary>RISE's random masks (Petsiuk et al., BMVC 2018, §3.2), drawn on the CPU from one seeded generator.</summary>
internal static class RiseMasks
{
    /// <summary>Masks drawn per step; fixed, so that the stream of random numbers never depends on anything else.</summary>
    internal const int GenerationChunk = 1024;

    /// <summary>
    /// <paramref name="count"/> masks <c>[N, H·W]</c>, row-major: a binary <c>s×s</c> grid (1 with
    /// probability p), bilinearly upsampled to <c>(s + 1)·cell</c> with <c>cell = ⌈L / s⌉</c> per axis, cropped
    /// to H×W at a random offset in <c>[0, cell)</c> per axis.
    /// </summary>
    public static float[] Generate(int count, int grid, double probability, (int Height, int Width) image, long seed)
    {
        var (height, width) = image;
        var cellHeight = (int)((height + (long)grid - 1) / grid);
        var cellWidth = (int)((width + (long)grid - 1) / grid);
        long upHeight = (grid + 1L) * cellHeight;
        long upWidth = (grid + 1L) * cellWidth;
        var pixels = (long)height * width;
        if ((double)count * pixels > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(RiseOptions.MaskCount),
                count,
                $"{count} masks of {height}×{width} pixels are {(double)count * pixels:0.###e0} values, more than one array holds ({Array.MaxLength}); use fewer masks.");
        }

        // The masks (float32, twice: the array and its tensor), and per step of GenerationChunk masks the
        // grid cells and their upsampled copy.
        var chunk = (double)Math.Min(count, GenerationChunk);
        WorkingMemory.Require(
            (double)count * pixels * 8,
            nameof(RiseOptions.MaskCount),
            count,
            $"RISE's {count} masks of {height}×{width} pixels",
            "use fewer masks");
        WorkingMemory.Require(
            chunk * ((double)grid * grid + ((double)upHeight * upWidth) + (2.0 * pixels)) * 4,
            nameof(RiseOptions.GridSize),
            grid,
            $"RISE's {grid}×{grid} grids, upsampled to {upHeight}×{upWidth} for {height}×{width} images,",
            $"use a grid of at most {Math.Min(height, width)} cells per side (finer than the pixels changes nothing)");
        var masks = new float[count * pixels];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = Seeding.Shared(seed);
        var rowOffsets = arange(height, dtype: int64);
        var columnOffsets = arange(width, dtype: int64);
        for (var start = 0; start < count; start += GenerationChunk)
        {
            using var inner = NewDisposeScope();
            var n = Math.Min(GenerationChunk, count - start);
            var cells = rand([n, 1, grid, grid], generator: generator).lt(probability).to(float32);
            var top = randint(cellHeight, [n], dtype: int64, generator: generator);
            var left = randint(cellWidth, [n], dtype: int64, generator: generator);
            var up = F.interpolate(cells, [upHeight, upWidth], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
            var rows = top.unsqueeze(1).add(rowOffsets).unsqueeze(2).expand(n, height, upWidth);
            var columns = left.unsqueeze(1).add(columnOffsets).unsqueeze(1).expand(n, height, width);
            var cropped = up.gather(1, rows).gather(2, columns).contiguous();
            cropped.data<float>().CopyTo(masks.AsSpan((int)(start * pixels), (int)(n * pixels)));
        }

        return masks;
    }
}
