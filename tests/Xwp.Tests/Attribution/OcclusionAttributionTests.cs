using FluentAssertions;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.Occlusion;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class OcclusionAttributionTests
{
    /// <summary>
    /// A 9-1-2 ReLU net on a 3×3 image: h = relu(Σ w_i x_i) with w = [1 … 9] (row-major), logits [h, 0].
    /// </summary>
    private static Fcnn NineOneTwo()
    {
        using var scope = NewDisposeScope();
        var w1 = arange(1, 10, dtype: float32).view(1, 9);
        var w2 = tensor(new float[] { 1, 0 }, [2, 1]);
        var snapshot = FcnnSnapshot.Capture([w1, w2], [zeros(1), zeros(2)], Activation.ReLU, 0.01);
        var again = FcnnSnapshot.Capture([w1, w2], [zeros(1), zeros(2)], Activation.ReLU, 0.01);
        return Fcnn.FromSnapshots(snapshot, again);
    }

    [Fact]
    public void Occlusion_on_a_3x3_image_matches_the_hand_computation()
    {
        // Weights in image layout    x = all ones, logit_0 = relu(45) = 45, target 0, window 2×2, stride 1:
        //   1 2 3                    windows TL {1,2,4,5} -> 45 - 33 = 12, TR {2,3,5,6} -> 16,
        //   4 5 6                            BL {4,5,7,8} -> 24,           BR {5,6,8,9} -> 28
        //   7 8 9                    (the unit stays active: at least 45 - 28 = 17 remains).
        // Each pixel gets the mean over the windows covering it:
        //   (0,0) TL 12   (0,1) (12+16)/2 = 14   (0,2) TR 16
        //   (1,0) (12+24)/2 = 18   (1,1) (12+16+24+28)/4 = 20   (1,2) (16+28)/2 = 22
        //   (2,0) BL 24   (2,1) (24+28)/2 = 26   (2,2) BR 28
        using var model = NineOneTwo();
        using var x = ones(1, 9);
        var method = Attributions.Occlusion(new OcclusionOptions { ImageShape = (3, 3), Window = (2, 2), Stride = (1, 1), OutputSpace = OutputSpace.Logits });
        using var r = model.Explain(x).For(0).Using(method).Compute();
        r.shape.Should().Equal(1, 9);
        TensorAssert.Close(r, [12, 14, 16, 18, 20, 22, 24, 26, 28], 1e-5);

        // Baseline 0.5 instead of 0: every window removes half as much, so every value halves.
        using var half = model.Explain(x).For(0)
            .Using(Attributions.Occlusion(new OcclusionOptions { ImageShape = (3, 3), Window = (2, 2), Stride = (1, 1), Baseline = 0.5, OutputSpace = OutputSpace.Logits }))
            .Compute();
        TensorAssert.Close(half, [6, 7, 8, 9, 10, 11, 12, 13, 14], 1e-5);
    }

    [Fact]
    public void Window_positions_follow_captum_and_always_reach_the_last_pixel()
    {
        // Captum's positions 0, s, 2s, … ≤ L − w; one more flush with the edge when the stride misses it.
        AblationSets.Positions(28, 4, 2).Should().Equal(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24);
        AblationSets.Positions(6, 3, 2).Should().Equal(0, 2, 3);
        AblationSets.Positions(6, 2, 3).Should().Equal(0, 3, 4);
        AblationSets.Positions(5, 1, 3).Should().Equal(0, 3, 4);
        AblationSets.Positions(4, 4, 2).Should().Equal(0);
        AblationSets.Windows((28, 28), (4, 4), (2, 2)).Count.Should().Be(169);
    }

    [Fact]
    public void A_stride_longer_than_the_image_gives_the_first_and_the_last_window()
    {
        // 0 + int.MaxValue wrapped to a negative position in int arithmetic (`xwp explain --stride 2147483647,1`
        // ended in an IndexOutOfRangeException, exit code 70); positions 0 and 28 − 4 = 24.
        AblationSets.Positions(28, 4, int.MaxValue).Should().Equal(0, 24);
        AblationSets.Positions(28, 28, int.MaxValue).Should().Equal(0);
        AblationSets.Windows((28, 28), (4, 4), (int.MaxValue, 1)).Count.Should().Be(2 * 25);
    }

    public static TheoryData<OutputSpace, bool> LiteralCases => new()
    {
        { OutputSpace.Probabilities, false },
        { OutputSpace.Probabilities, true },
        { OutputSpace.Logits, true },
    };

    [Theory]
    [MemberData(nameof(LiteralCases))]
    public void Occlusion_equals_an_explicit_loop_over_windows(OutputSpace space, bool baselineTensor)
    {
        // 6×6 image, window 3×2, stride 2×3: row starts 0, 2 (+3 flush with the edge), column starts
        // 0, 3 (+4 flush with the edge) — nine windows, written out here independently of the library.
        // Column 2 falls between windows (stride 3 > width 2): no window covers it, so it gets 0.
        int[] tops = [0, 2, 3];
        int[] lefts = [0, 3, 4];
        using var model = TinyNets.RandomTrained([36, 12, 4], 31);
        using var x = TinyNets.SparseInputs(5, 36, 32);
        using var generator = new Generator(33);
        using var baseline = baselineTensor ? rand(36, generator: generator) : zeros(36);
        var baselineValues = TensorAssert.Values(baseline);
        using var targets = tensor(new long[] { 0, 1, 2, 3, 1 });
        var options = new OcclusionOptions { ImageShape = (6, 6), Window = (3, 2), Stride = (2, 3), OutputSpace = space, Baseline = baselineTensor ? baseline : Baselines.Zero };
        using var fast = model.Explain(x).For(targets).Using(Attributions.Occlusion(options)).Compute();

        using var scope = NewDisposeScope();
        var sum = zeros(5, 36);
        var count = new float[36];
        var reference = ModelOutputs.TargetScores(model, x, targets, space);
        foreach (var top in tops)
        {
            foreach (var left in lefts)
            {
                var occluded = x.clone();
                var window = new List<long>();
                for (var r = top; r < top + 3; r++)
                {
                    for (var c = left; c < left + 2; c++)
                    {
                        window.Add(r * 6 + c);
                        occluded.select(1, r * 6 + c).fill_(baselineValues[r * 6 + c]);
                    }
                }

                var change = reference.sub(ModelOutputs.TargetScores(model, occluded, targets, space));
                foreach (var i in window)
                {
                    sum.select(1, i).add_(change);
                    count[i] += 1;
                }
            }
        }

        var literal = sum.div(tensor(count).clamp_min(1));
        using var scale = literal.abs().max();
        scale.item<float>().Should().BeGreaterThan(1e-3f, "the comparison must not be between two maps of zeros");
        TensorAssert.Close(fast, literal, 1e-5);
        using var uncovered = fast.select(1, 2).abs().max();
        uncovered.item<float>().Should().Be(0f);
    }

    [Fact]
    public void Pixels_that_no_window_covers_get_zero()
    {
        // 5×5 image, 1×1 window, stride 3: positions 0, 3, 4 per axis; rows and columns 1 and 2 are never occluded.
        using var model = TinyNets.RandomTrained([25, 8, 3], 41);
        using var generator = new Generator(42);
        using var x = rand(2, 25, generator: generator);
        using var r = model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { ImageShape = (5, 5), Window = (1, 1), Stride = (3, 3), OutputSpace = OutputSpace.Logits })).Compute();
        var values = TensorAssert.Values(r);
        for (var i = 0; i < 25; i++)
        {
            var (row, col) = (i / 5, i % 5);
            var covered = row is 0 or 3 or 4 && col is 0 or 3 or 4;
            if (covered)
            {
                values[i].Should().NotBe(0f, $"pixel ({row},{col}) is occluded by a window");
            }
            else
            {
                values[i].Should().Be(0f);
                values[25 + i].Should().Be(0f);
            }
        }
    }

    [Fact]
    public void Feature_ablation_matches_the_hand_computation_with_and_without_groups()
    {
        // ThreeTwoTwo: logit_0 = relu(x0 + 2 x1), logit_1 = relu(x1 − x2 − 1). x = [1, 2, 0]: logits [5, 1].
        //   target 0: ablate x0 -> relu(4) = 4: 1;  x1 -> relu(1) = 1: 4;  x2 (already 0): 0.
        //   target 1: ablate x0 -> 1: 0;  x1 -> relu(−1) = 0: 1;  x2: 0.
        //   groups [0, 0, 1], target 0: group {x0, x1} -> 0: 5 for both; group {x2}: 0.
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 1, 2, 0 }, [2, 3]);
        using var single = model.Explain(x).For(0, 1).Using(Attributions.FeatureAblation(new FeatureAblationOptions { OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(single, [1, 4, 0, 0, 1, 0], 1e-6);

        // Group ids need not be contiguous or sorted.
        using var mask = tensor(new long[] { 7, 7, -3 });
        using var grouped = model.Explain(x).For(0, 1)
            .Using(Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = mask, OutputSpace = OutputSpace.Logits }))
            .Compute();
        // target 1, group {x0, x1} -> relu(0 − 0 − 1) = 0: 1 for both.
        TensorAssert.Close(grouped, [5, 5, 0, 1, 1, 0], 1e-6);
    }

    [Fact]
    public void Feature_ablation_equals_a_one_pixel_occlusion_and_an_explicit_loop_over_groups()
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 51);
        using var x = TinyNets.SparseInputs(4, 36, 52);
        using var ablation = model.Explain(x).Using(Attributions.FeatureAblation()).Compute();
        using var occlusion = model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { ImageShape = (6, 6), Window = (1, 1), Stride = (1, 1) })).Compute();
        TensorAssert.Close(ablation, occlusion, 1e-6);

        // 2×2 superpixels of a 6×6 image: group (r/2)·3 + c/2.
        var ids = Enumerable.Range(0, 36).Select(i => (long)(i / 6 / 2 * 3 + i % 6 / 2)).ToArray();
        using var mask = tensor(ids);
        using var predicted = model.Predict(x);
        using var grouped = model.Explain(x).For(predicted).Using(Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = mask })).Compute();

        using var scope = NewDisposeScope();
        var literal = zeros(4, 36);
        var reference = ModelOutputs.TargetScores(model, x, predicted, OutputSpace.Probabilities);
        for (var g = 0; g < 9; g++)
        {
            var members = Enumerable.Range(0, 36).Where(i => ids[i] == g).ToArray();
            var ablated = x.clone();
            foreach (var i in members)
            {
                ablated.select(1, i).fill_(0f);
            }

            var change = reference.sub(ModelOutputs.TargetScores(model, ablated, predicted, OutputSpace.Probabilities));
            foreach (var i in members)
            {
                literal.select(1, i).copy_(change);
            }
        }

        TensorAssert.Close(grouped, literal, 1e-5);
    }

    [Fact]
    public void Results_do_not_depend_on_batch_size_or_memory_budget()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 61);
        using var x = TinyNets.SparseInputs(7, 784, 62);
        foreach (var make in new Func<long, AttributionMethod>[]
        {
            budget => Attributions.Occlusion(new OcclusionOptions { MemoryBudgetBytes = budget }),
            budget => Attributions.Occlusion(new OcclusionOptions { Window = (5, 3), Stride = (4, 2), Baseline = 0.25, MemoryBudgetBytes = budget }),
            budget => Attributions.FeatureAblation(new FeatureAblationOptions { MemoryBudgetBytes = budget }),
        })
        {
            using var reference = model.Explain(x).Using(make(OcclusionOptions.DefaultMemoryBudgetBytes)).Compute();
            using var scale = reference.abs().max();
            scale.item<float>().Should().BeGreaterThan(1e-4f);
            foreach (var batch in new[] { 1, 2, 3 })
            {
                using var r = model.Explain(x).WithBatchSize(batch).Using(make(OcclusionOptions.DefaultMemoryBudgetBytes)).Compute();
                TensorAssert.Close(r, reference, 1e-6);
            }

            using var small = model.Explain(x).Using(make(1 << 16)).Compute();
            TensorAssert.Close(small, reference, 1e-6);
        }
    }

    [Fact]
    public void A_baseline_tensor_is_copied_when_the_method_is_made()
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 71);
        using var x = TinyNets.SparseInputs(2, 36, 72);
        var baseline = full(36, 0.3f);
        var method = Attributions.Occlusion(new OcclusionOptions { ImageShape = (6, 6), Baseline = baseline });
        using var before = model.Explain(x).Using(method).Compute();
        baseline.Dispose();
        using var after = model.Explain(x).Using(method).Compute();
        using var byValue = model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { ImageShape = (6, 6), Baseline = 0.3 })).Compute();
        TensorAssert.Identical(after, before);
        TensorAssert.Close(byValue, before, 1e-7);
    }

    public static TheoryData<string, Func<AttributionMethod>> BadOptions => new()
    {
        { "Window", () => Attributions.Occlusion(new OcclusionOptions { Window = (0, 4) }) },
        { "Stride", () => Attributions.Occlusion(new OcclusionOptions { Stride = (0, 2) }) },
        { "Stride", () => Attributions.Occlusion(new OcclusionOptions { Stride = (2, -1) }) },
        { "ImageShape", () => Attributions.Occlusion(new OcclusionOptions { ImageShape = (0, 28) }) },
        { "Baseline", () => Attributions.Occlusion(new OcclusionOptions { Baseline = null! }) },
        { "OutputSpace", () => Attributions.Occlusion(new OcclusionOptions { OutputSpace = (OutputSpace)7 }) },
        { "MemoryBudgetBytes", () => Attributions.Occlusion(new OcclusionOptions { MemoryBudgetBytes = 1000 }) },
        { "Baseline", () => Attributions.FeatureAblation(new FeatureAblationOptions { Baseline = null! }) },
    };

    [Fact]
    public void Bad_baseline_and_mask_values_are_refused_when_the_options_are_made()
    {
        var nan = () => new OcclusionOptions { Baseline = double.NaN };
        nan.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*finite*");
        var infinite = () => new FeatureAblationOptions { Baseline = full(3, double.PositiveInfinity) };
        infinite.Should().Throw<ArgumentException>().WithMessage("*finite*");
        var floatMask = () => new FeatureAblationOptions { FeatureMask = zeros(10) };
        floatMask.Should().Throw<ArgumentException>().WithMessage("*integer*");
    }

    [Fact]
    public void Baselines_and_masks_that_do_not_fit_the_inputs_name_the_option_when_run()
    {
        using var model = TinyNets.RandomTrained([10, 6, 3], 83);
        using var x = TinyNets.SparseInputs(2, 10, 84);
        using var nine = zeros(9);
        var baseline = () => model.Explain(x).Using(Attributions.FeatureAblation(new FeatureAblationOptions { Baseline = nine })).Compute();
        baseline.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("Baseline");
        using var mask = zeros(2, 4, dtype: int64);
        var groups = () => model.Explain(x).Using(Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = mask })).Compute();
        groups.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("FeatureMask");
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_when_the_method_is_made(string option, Func<AttributionMethod> make)
    {
        make.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(option);
    }

    [Fact]
    public void Options_that_do_not_fit_the_model_are_rejected_before_any_work()
    {
        using var model = TinyNets.RandomTrained([784, 20, 10], 81);
        using var x = TinyNets.SparseInputs(2, 784, 82);
        var tall = () => model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { Window = (29, 4) })).Compute();
        tall.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*29×4 window does not fit in the 28×28 image*").Which.ParamName.Should().Be("Window");
        using var images = x.view(2, 1, 28, 28);
        var wide = () => ExplainableModel.FromFunction(t => model.Forward(t.reshape(t.shape[0], -1)))
            .Explain(images).Using(Attributions.Occlusion(new OcclusionOptions { Window = (3, 30) })).Compute();
        wide.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Window");
        var shape = () => model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { ImageShape = (27, 28) })).Compute();
        shape.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("ImageShape");
        using var mask = zeros(36, dtype: int64);
        var groups = () => model.Explain(x).Using(Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = mask })).Compute();
        groups.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("FeatureMask");
    }
}
