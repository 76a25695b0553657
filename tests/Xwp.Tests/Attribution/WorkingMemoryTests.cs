using FluentAssertions;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.Rise;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// Counts whose tensors cannot fit in any machine's memory are refused with the option's name before
/// anything is allocated. Before the check, KernelSHAP and Shapley value sampling with int.MaxValue
/// samples and RISE with a 100000-cell grid ended the process with a segmentation fault inside libtorch,
/// and RISE with 100000000 masks threw a bare OverflowException ("Arithmetic operation resulted in an overflow").
/// </summary>
public class WorkingMemoryTests
{
    [Fact]
    public void Kernel_shap_with_more_coalitions_than_memory_names_samples()
    {
        // 2147483647 coalitions × 784 players (no zero feature) × 30 bytes ≈ 50.5 TB.
        using var model = TinyNets.RandomTrained([784, 8, 3], 1, noise: 0.3);
        using var x = rand([1, 784], generator: new Generator(3)).add_(0.1);
        var method = Attributions.KernelShap(new KernelShapOptions { Samples = int.MaxValue });
        var act = () => model.Explain(x).For(0).Using(method).Compute();
        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == nameof(KernelShapOptions.Samples) && e.Message.Contains("2147483647 coalitions of 784 players need about 50.5 TB at once"));
    }

    [Fact]
    public void Shapley_value_sampling_with_more_permutations_than_memory_names_samples()
    {
        // 2147483647 permutations × 784 players (no zero feature) × 48 bytes ≈ 80.8 TB.
        using var model = TinyNets.RandomTrained([784, 8, 3], 1, noise: 0.3);
        using var x = rand([1, 784], generator: new Generator(3)).add_(0.1);
        var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = int.MaxValue });
        var act = () => model.Explain(x).For(0).Using(method).Compute();
        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == nameof(ShapleyValueSamplingOptions.Samples) && e.Message.Contains("2147483647 permutations of 784 players need about 80.8 TB at once"));
    }

    [Fact]
    public void Rise_masks_beyond_one_array_name_mask_count()
    {
        // 100000000 masks × 784 pixels = 7.84e10 values > Array.MaxLength (2147483591).
        var act = () => RiseMasks.Generate(100_000_000, 7, 0.5, (28, 28), 0);
        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == nameof(RiseOptions.MaskCount) && e.Message.Contains("use fewer masks"));
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void A_rise_grid_far_finer_than_memory_allows_names_grid_size(int grid)
    {
        // 10 masks of 100000² cells ≈ 4e11 bytes per mask step already; int.MaxValue² far more.
        var act = () => RiseMasks.Generate(10, grid, 0.5, (28, 28), 0);
        act.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == nameof(RiseOptions.GridSize) && e.Message.Contains("at most 28 cells per side"));
    }

    [Fact]
    public void Sizes_are_written_in_decimal_units()
    {
        WorkingMemory.Format(999).Should().Be("999 B");
        WorkingMemory.Format(2.5e12).Should().Be("2.5 TB");
        WorkingMemory.Format(64e6).Should().Be("64 MB");
    }

    [Fact]
    public void The_default_counts_pass_the_check()
    {
        // The defaults on a 784-feature input: 3616 coalitions × 784 × 30 B = 85 MB; 4000 masks × 784 × 8 B = 25 MB.
        using var model = TinyNets.RandomTrained([784, 8, 3], 1, noise: 0.3);
        using var x = TinyNets.SparseInputs(1, 784, 2);
        using var shap = model.Explain(x).For(0).Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 4) })).Compute();
        shap.shape.Should().Equal(1, 784);
        RiseMasks.Generate(4000, 7, 0.5, (28, 28), 0).Length.Should().Be(4000 * 784);
    }
}
