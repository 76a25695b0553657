using FluentAssertions;
using Xunit;
using Xwp.Evaluation;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>The removal values made from each image: image mean, Gaussian blur, seeded uniform noise.</summary>
public class RemovalValuePerImageTests
{
    private static double S(double z) => 1 / (1 + Math.Exp(-z));

    private static float[] Resolve(RemovalValue removal, float[] values, int rows)
    {
        using var scope = NewDisposeScope();
        using var x = tensor(values, [rows, values.Length / rows]);
        return TensorAssert.Values(removal.For(x).expand_as(x).contiguous());
    }

    [Fact]
    public void Image_mean_is_each_rows_own_mean()
    {
        // Row 0: (1 + 2 + 3 + 6)/4 = 3; row 1: (0 + 0 + 4 + 0)/4 = 1.
        Resolve(RemovalValue.ImageMean(), [1, 2, 3, 6, 0, 0, 4, 0], 2).Should().Equal(3, 3, 3, 3, 1, 1, 1, 1);
        RemovalValue.ImageMean().ToString().Should().Be("image-mean");
        RemovalValue.ImageMean().IsPerImage.Should().BeTrue();
        RemovalValue.ImageMean().Scalar.Should().BeNull();
    }

    [Fact]
    public void Blur_of_a_single_bright_pixel_follows_the_renormalised_three_tap_kernel()
    {
        // σ = 1/3: radius ⌈3σ⌉ = 1, taps [e, 1, e] with e = exp(−1/(2σ²)) = exp(−4.5).
        // A 3×3 image with 1 at the centre. Interior weights sum to 1 + 2e per direction; at a border only 1 + e lie inside.
        //   centre (1,1): 1·1 / ((1 + 2e)(1 + 2e))
        //   edge (0,1):   e·1 / ((1 + e)(1 + 2e))     (one row away, renormalised over rows 0..1)
        //   corner (0,0): e·e / ((1 + e)(1 + e))
        var e = Math.Exp(-4.5);
        var centre = 1 / ((1 + (2 * e)) * (1 + (2 * e)));
        var edge = e / ((1 + e) * (1 + (2 * e)));
        var corner = e * e / ((1 + e) * (1 + e));
        var blurred = Resolve(RemovalValue.GaussianBlur(3, 3, 1.0 / 3), [0, 0, 0, 0, 1, 0, 0, 0, 0], 1);
        double[] expected = [corner, edge, corner, edge, centre, edge, corner, edge, corner];
        for (var i = 0; i < 9; i++)
        {
            ((double)blurred[i]).Should().BeApproximately(expected[i], 1e-6, $"pixel {i}");
        }
    }

    [Fact]
    public void Blur_keeps_a_constant_image_and_reads_rows_of_width_features()
    {
        // Renormalised borders: a constant image stays constant; a 2×3 image (2 rows of 3) whose rows are constant
        // blurs only across rows: σ = 1/3 mixes rows 0 and 1 with weights 1 : e, e : 1.
        Resolve(RemovalValue.GaussianBlur(2, 2, 5), [0.25f, 0.25f, 0.25f, 0.25f], 1).Should().AllSatisfy(v => v.Should().BeApproximately(0.25f, 1e-6f));
        var e = Math.Exp(-4.5);
        var rows = Resolve(RemovalValue.GaussianBlur(3, 2, 1.0 / 3), [1, 1, 1, 0, 0, 0], 1);
        ((double)rows[0]).Should().BeApproximately(1 / (1 + e), 1e-6);
        ((double)rows[5]).Should().BeApproximately(e / (1 + e), 1e-6);
        RemovalValue.GaussianBlur(28, 28, 2).ToString().Should().Be("gaussian-blur(σ=2 px, 28×28)");
    }

    [Fact]
    public void Blur_that_does_not_fit_the_model_is_rejected_naming_the_sizes()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        var act = () => Metrics.AverageDrop(new AverageDropOptions { RemovalValue = RemovalValue.GaussianBlur(2, 2, 1) }).Score(model, x, t, x);
        act.Should().Throw<ArgumentException>().WithMessage("*2×2 = 4 features; the model takes 3*").Which.ParamName.Should().Be("RemovalValue");
        FluentActions.Invoking(() => RemovalValue.GaussianBlur(3, 3, 0)).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("sigma");
    }

    [Fact]
    public void Noise_is_uniform_in_its_range_seeded_and_the_same_for_an_image_alone_or_in_a_batch()
    {
        float[] a = [0.1f, 0.2f, 0.3f, 0.4f];
        float[] b = [0.5f, 0.0f, 0.0f, 0.9f];
        var batch = Resolve(RemovalValue.UniformNoise(-1, 2, seed: 7), [.. a, .. b], 2);
        batch.Should().AllSatisfy(v => v.Should().BeInRange(-1f, 2f));
        Resolve(RemovalValue.UniformNoise(-1, 2, seed: 7), a, 1).Should().Equal(batch[..4], "an image's draws depend on the seed and the image only");
        Resolve(RemovalValue.UniformNoise(-1, 2, seed: 7), b, 1).Should().Equal(batch[4..]);
        batch[..4].Should().NotEqual(batch[4..], "different images draw different noise");
        Resolve(RemovalValue.UniformNoise(-1, 2, seed: 8), a, 1).Should().NotEqual(batch[..4]);

        // Over many draws the mean of U[0, 1) is 1/2 (4,000 draws: standard error 0.0046).
        var many = Resolve(RemovalValue.UniformNoise(), new float[4000], 1);
        many.Average().Should().BeApproximately(0.5f, 0.02f);
        RemovalValue.UniformNoise(0, 1, 3).ToString().Should().Be("uniform-noise[0, 1) seed 3");
    }

    [Fact]
    public void Average_drop_with_the_image_mean_sets_removed_features_to_it()
    {
        using var model = TinyNets.ThreeTwoTwo();
        // Image [1, 2, 1] (mean 4/3), map [0.5, 0.9, 0.1], fraction 0.34 -> feature 1 removed: [1, 4/3, 1].
        // h = [1 + 8/3, 4/3 − 1 − 1] = [11/3, −2/3] -> ReLU [11/3, 0] -> O = σ(11/3); Y = σ(5).
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f }, [1, 3]);

        var result = Metrics.AverageDrop(new AverageDropOptions { Fraction = 0.34, RemovalValue = RemovalValue.ImageMean() }).Score(model, x, t, maps);

        result.Values[0].Should().BeApproximately((S(5) - S(11.0 / 3)) / S(5), 1e-6);
        result.Settings["removal_value"].Should().Be("image-mean");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Incremental_and_masked_curves_agree_for_per_image_removal_values(int kind)
    {
        using var scope = NewDisposeScope();
        using var model = TinyNets.RandomTrained([16, 6, 3], seed: 4);
        var x = TinyNets.SparseInputs(5, 16, seed: 9);
        var maps = rand([5, 16], generator: new Generator(11));
        var t = tensor(new long[] { 0, 1, 2, 1, 0 });
        var removal = kind switch { 0 => RemovalValue.ImageMean(), 1 => RemovalValue.GaussianBlur(4, 4, 1), _ => RemovalValue.UniformNoise(seed: 5) };
        foreach (var insertion in new[] { false, true })
        {
            CurveMetricOptions Options(CurveAlgorithm a) => new() { FeaturesPerStep = 3, RemovalValue = removal, Algorithm = a };
            var fast = (insertion ? Metrics.InsertionAuc(Options(CurveAlgorithm.Incremental)) : Metrics.DeletionAuc(Options(CurveAlgorithm.Incremental))).Score(model, x, t, maps, batchSize: 2);
            var literal = (insertion ? Metrics.InsertionAuc(Options(CurveAlgorithm.Masked)) : Metrics.DeletionAuc(Options(CurveAlgorithm.Masked))).Score(model, x, t, maps, batchSize: 5);
            for (var i = 0; i < 5; i++)
            {
                fast.Values[i].Should().BeApproximately(literal.Values[i], 1e-5, $"image {i}, insertion {insertion}");
            }
        }
    }
}
