using FluentAssertions;
using Xunit;
using Xwp.Evaluation;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>
/// Hand-computed curves on TinyNets.ThreeTwoTwo: trained W = [[1, 2, 0], [0, 1, -1]], b = [0, -1], ReLU,
/// then the identity. With two classes the target's softmax probability is σ(l_t − l_other).
/// </summary>
public class DeletionAucTests
{
    private static double S(double z) => 1 / (1 + Math.Exp(-z));

    private static CurveMetricOptions OnePerStep(CurveAlgorithm algorithm) => new() { FeaturesPerStep = 1, Algorithm = algorithm };

    // Image A = [1, 2, 1], target 0, map [0.5, 0.9, 0.1] -> order 1, 0, 2.
    //   step 0  [1, 2, 1]: h = [1+4+0, 2-1-1] = [5, 0]  -> σ(5)
    //   step 1  [1, 0, 1]: h = [1, -1-1] = [1, -2] -> [1, 0] -> σ(1)
    //   step 2  [0, 0, 1]: h = [0, -2] -> [0, 0] -> σ(0) = 0.5
    //   step 3  [0, 0, 0]: h = [0, -1] -> [0, 0] -> 0.5
    // Image B = [0, 1, 1], target 1, map [-1, 3, 3]: the tie 1 = 2 is broken by index -> order 1, 2, 0.
    //   step 0  [0, 1, 1]: h = [2, 1-1-1] = [2, -1] -> [2, 0] -> p1 = σ(-2)
    //   step 1  [0, 0, 1]: h = [0, -2] -> [0, 0] -> 0.5
    //   step 2  [0, 0, 0]: -> 0.5;  step 3: 0.5
    //   (had feature 2 gone first: [0, 1, 0] -> h = [2, 0] -> σ(-2), not 0.5)
    private static readonly double[][] DeletionCurves =
    [
        [S(5), S(1), 0.5, 0.5],
        [S(-2), 0.5, 0.5, 0.5],
    ];

    // Insertion from [0, 0, 0] in the same orders.
    //   A: [0,0,0] -> 0.5; [0,2,0]: h = [4, 2-1] = [4, 1] -> σ(3); [1,2,0]: h = [5, 1] -> σ(4); [1,2,1] -> σ(5)
    //   B: 0.5; [0,1,0]: h = [2, 0] -> σ(-2); [0,1,1] -> σ(-2); [0,1,1] (feature 0 is 0) -> σ(-2)
    private static readonly double[][] InsertionCurves =
    [
        [0.5, S(3), S(4), S(5)],
        [0.5, S(-2), S(-2), S(-2)],
    ];

    private static (Tensor X, Tensor T, Tensor Maps) ImagesAB() =>
        (tensor(new float[] { 1, 2, 1, 0, 1, 1 }, [2, 3]),
         tensor(new long[] { 0, 1 }),
         tensor(new float[] { 0.5f, 0.9f, 0.1f, -1, 3, 3 }, [2, 3]));

    /// <summary>Trapezoid with x = k/3: (y0/2 + y1 + y2 + y3/2) / 3.</summary>
    private static double Area(double[] y) => ((y[0] / 2) + y[1] + y[2] + (y[3] / 2)) / 3;

    [Theory]
    [InlineData(CurveAlgorithm.Incremental)]
    [InlineData(CurveAlgorithm.Masked)]
    public void Deletion_curves_and_areas_match_the_hand_computation(CurveAlgorithm algorithm)
    {
        using var model = TinyNets.ThreeTwoTwo();
        var (x, t, maps) = ImagesAB();
        using (x)
        using (t)
        using (maps)
        {
            var result = Metrics.DeletionAuc(OnePerStep(algorithm)).Score(model, x, t, maps);

            result.Metric.Should().Be("deletion_auc");
            result.Direction.Should().Be(MetricDirection.LowerIsBetter);
            result.Curves.Should().HaveCount(2);
            result.CurveFractions.Should().Equal(0, 1 / 3.0, 2 / 3.0, 1);
            for (var i = 0; i < 2; i++)
            {
                result.Curves![i].Select(v => (double)v).Should().Equal(DeletionCurves[i], (a, e) => Math.Abs(a - e) < 1e-6);
                result.Values[i].Should().BeApproximately(Area(DeletionCurves[i]), 1e-6);
            }

            result.Mean.Should().BeApproximately((Area(DeletionCurves[0]) + Area(DeletionCurves[1])) / 2, 1e-6);
        }
    }

    [Theory]
    [InlineData(CurveAlgorithm.Incremental)]
    [InlineData(CurveAlgorithm.Masked)]
    public void Insertion_curves_and_areas_match_the_hand_computation(CurveAlgorithm algorithm)
    {
        using var model = TinyNets.ThreeTwoTwo();
        var (x, t, maps) = ImagesAB();
        using (x)
        using (t)
        using (maps)
        {
            var result = Metrics.InsertionAuc(OnePerStep(algorithm)).Score(model, x, t, maps);

            result.Metric.Should().Be("insertion_auc");
            result.Direction.Should().Be(MetricDirection.HigherIsBetter);
            for (var i = 0; i < 2; i++)
            {
                result.Curves![i].Select(v => (double)v).Should().Equal(InsertionCurves[i], (a, e) => Math.Abs(a - e) < 1e-6);
                result.Values[i].Should().BeApproximately(Area(InsertionCurves[i]), 1e-6);
            }
        }
    }

    [Theory]
    [InlineData(CurveAlgorithm.Incremental)]
    [InlineData(CurveAlgorithm.Masked)]
    public void A_per_feature_removal_value_replaces_features_with_it(CurveAlgorithm algorithm)
    {
        // Image A, r = [0, 1, 0], order 1, 0, 2:
        //   [1, 1, 1]: h = [1+2, 1-1-1] = [3, -1] -> σ(3); [0, 1, 1]: h = [2, -1] -> σ(2); [0, 1, 0]: h = [2, 0] -> σ(2)
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 1 }, [1, 3]);
        using var t = tensor(new long[] { 0 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f }, [1, 3]);
        using var removal = tensor(new float[] { 0, 1, 0 });
        var options = OnePerStep(algorithm) with { RemovalValue = RemovalValue.PerFeature(removal) };

        var result = Metrics.DeletionAuc(options).Score(model, x, t, maps);

        result.Curves![0].Select(v => (double)v).Should().Equal([S(5), S(3), S(2), S(2)], (a, e) => Math.Abs(a - e) < 1e-6);
        result.Settings["removal_value"].Should().Be("per-feature [3]");
    }

    [Theory]
    [InlineData(CurveAlgorithm.Incremental)]
    [InlineData(CurveAlgorithm.Masked)]
    public void Max_steps_truncates_the_curve_and_normalises_x_over_the_steps_run(CurveAlgorithm algorithm)
    {
        using var model = TinyNets.ThreeTwoTwo();
        var (x, t, maps) = ImagesAB();
        using (x)
        using (t)
        using (maps)
        {
            var result = Metrics.DeletionAuc(OnePerStep(algorithm) with { MaxSteps = 2 }).Score(model, x, t, maps);

            // A: [σ(5), σ(1), 0.5], x = 0, 1/2, 1 -> (σ(5)/2 + σ(1) + 0.25) / 2
            result.Curves![0].Should().HaveCount(3);
            result.Values[0].Should().BeApproximately(((S(5) / 2) + S(1) + 0.25) / 2, 1e-6);
            result.Settings["steps"].Should().Be("2");
            result.Settings["steps_to_remove_all"].Should().Be("3");
            result.Settings["max_steps"].Should().Be("2");
        }
    }

    [Fact]
    public void Ties_are_broken_by_the_lower_feature_index_including_signed_zeros()
    {
        using var g = new Generator(11);
        using var values = randint(0, 3, [4, 784], generator: g).to(float32).sub_(1);
        using var signs = randint(0, 2, [4, 784], generator: g).to(float32).mul_(2).sub_(1);
        using var maps = values.mul(signs); // many ties, and zeros of both signs
        using var order = Ranking.Order(maps);

        var flat = TensorAssert.Values(maps);
        var actual = order.data<long>().ToArray();
        for (var row = 0; row < 4; row++)
        {
            var expected = Enumerable.Range(0, 784)
                .OrderByDescending(i => flat[(row * 784) + i])
                .ThenBy(i => i)
                .Select(i => (long)i);
            actual.Skip(row * 784).Take(784).Should().Equal(expected, $"row {row}");
        }
    }

    [Fact]
    public void Incremental_equals_masked_on_a_random_network_with_default_steps()
    {
        using var model = TinyNets.RandomTrained([60, 16, 8, 4], 3);
        using var x = TinyNets.SparseInputs(7, 60, 4);
        using var t = tensor(new long[] { 0, 1, 2, 3, 3, 2, 1 });
        using var g = new Generator(5);
        using var maps = randn([7, 60], generator: g);
        using var removal = rand([60], generator: g);

        foreach (var removalValue in new[] { RemovalValue.Zero, RemovalValue.Of(0.3), RemovalValue.PerFeature(removal) })
        {
            foreach (var insertion in new[] { false, true })
            {
                EvaluationMetric Make(CurveAlgorithm a)
                {
                    var o = new CurveMetricOptions { RemovalValue = removalValue, Algorithm = a, MemoryBudgetBytes = 1 << 16 };
                    return insertion ? Metrics.InsertionAuc(o) : Metrics.DeletionAuc(o);
                }

                var fast = Make(CurveAlgorithm.Incremental).Score(model, x, t, maps);
                var reference = Make(CurveAlgorithm.Masked).Score(model, x, t, maps);
                fast.Curves![0].Should().HaveCount(101); // 1% of 60 rounded half up per step: 100 steps
                for (var i = 0; i < 7; i++)
                {
                    fast.Curves[i].Should().Equal(reference.Curves![i], (a, e) => Math.Abs(a - e) < 1e-5);
                    fast.Values[i].Should().BeApproximately(reference.Values[i], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void Default_settings_are_reported_for_784_features()
    {
        var settings = Metrics.DeletionAuc().Settings(784);
        settings["features_per_step"].Should().Be("1% of 784, rounded half up per step");
        settings["steps"].Should().Be("100");
        settings["max_steps"].Should().Be("none");
        settings["features_at_last_step"].Should().Be("784");
        settings["removal_value"].Should().Be("0");
    }

    [Fact]
    public void A_per_feature_removal_value_of_the_wrong_length_is_rejected_naming_the_option()
    {
        using var model = TinyNets.ThreeTwoTwo();
        var (x, t, maps) = ImagesAB();
        using (x)
        using (t)
        using (maps)
        {
            var metric = Metrics.DeletionAuc(new CurveMetricOptions { RemovalValue = RemovalValue.PerFeature([0f, 1f]) });
            var act = () => metric.Score(model, x, t, maps);
            act.Should().Throw<ArgumentException>().WithMessage("*2 values*3 features*").And.ParamName.Should().Be("RemovalValue");
        }
    }

    [Fact]
    public void Maps_with_nan_are_rejected()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = ones(1, 3);
        using var t = tensor(new long[] { 0 });
        using var maps = tensor(new float[] { 1, float.NaN, 0 }, [1, 3]);
        var act = () => Metrics.DeletionAuc().Score(model, x, t, maps);
        act.Should().Throw<ArgumentException>().And.ParamName.Should().Be("maps");
    }
}
