using FluentAssertions;
using Xunit;
using Xwp.Attribution;

namespace Xwp.Tests.Attribution;

/// <summary>The (rows × perturbations) tiling that Occlusion/feature ablation and RISE share.</summary>
public class ForwardChunksTilesTests
{
    [Theory]
    [InlineData(5, 7, 1)]
    [InlineData(5, 7, 3)]
    [InlineData(5, 7, 12)]
    [InlineData(5, 7, 1000)]
    [InlineData(1, 1, 1)]
    public void Tiles_cover_every_row_and_perturbation_once_and_fit_a_pass(long rows, long perturbations, long perPass)
    {
        var seen = new int[rows, perturbations];
        foreach (var (row, count, start, n) in ForwardChunks.Tiles(rows, perturbations, perPass))
        {
            count.Should().BeGreaterThan(0);
            n.Should().BeGreaterThan(0);
            (count * n).Should().BeLessThanOrEqualTo(Math.Max(perPass, count), "a tile holds at most a pass, or one perturbation of as many rows as fit");
            for (var r = row; r < row + count; r++)
            {
                for (var p = start; p < start + n; p++)
                {
                    seen[r, p]++;
                }
            }
        }

        seen.Cast<int>().Should().OnlyContain(c => c == 1);
    }

    [Fact]
    public void Twelve_rows_per_pass_over_five_rows_give_two_perturbations_per_tile()
    {
        // min(5, 12) = 5 rows per tile, 12 / 5 = 2 perturbations: (0,5,0,2) (0,5,2,2) (0,5,4,2) (0,5,6,1).
        ForwardChunks.Tiles(5, 7, 12).Should().Equal((0L, 5L, 0L, 2L), (0L, 5L, 2L, 2L), (0L, 5L, 4L, 2L), (0L, 5L, 6L, 1L));
    }
}
