using FluentAssertions;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.Rise;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class RiseAttributionTests
{
    [Fact]
    public void Rise_with_supplied_masks_matches_the_hand_computation()
    {
        // ThreeTwoTwo: logit_0 = relu(x0 + 2 x1), logit_1 = relu(x1 − x2 − 1). Masks M1 = [1, 0, 1],
        // M2 = [0, 1, 1], M3 = [.5, .5, 0]; N·p = 3 · 0.5 = 1.5.
        // Row A = [1, 2, 0], target 0: f(x⊙M1) = relu(1) = 1, f(x⊙M2) = relu(4) = 4, f(x⊙M3) = relu(.5 + 2) = 2.5
        //   Σ f M = [1, 0, 1] + [0, 4, 4] + [1.25, 1.25, 0] = [2.25, 5.25, 5]  ->  / 1.5 = [1.5, 3.5, 10/3].
        // Row B = [0, 3, 1], target 1: f(x⊙M1) = relu(0 − 1 − 1) = 0, f(x⊙M2) = relu(3 − 1 − 1) = 1,
        //   f(x⊙M3) = relu(1.5 − 0 − 1) = .5;  Σ f M = [0, 1, 1] + [.25, .25, 0] = [.25, 1.25, 1]  ->  / 1.5.
        float[] expected = [1.5f, 3.5f, 10f / 3, 0.25f / 1.5f, 1.25f / 1.5f, 1f / 1.5f];
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 0, 3, 1 }, [2, 3]);
        using var flat = tensor(new float[] { 1, 0, 1, 0, 1, 1, 0.5f, 0.5f, 0 }, [3, 3]);
        using var image = flat.view(3, 1, 3);
        foreach (var masks in new[] { flat, image })
        {
            var method = Attributions.Rise(new RiseOptions { Masks = masks, OutputSpace = OutputSpace.Logits });
            using var r = model.Explain(x).For(0, 1).Using(method).Compute();
            r.shape.Should().Equal(2, 3);
            TensorAssert.Close(r, expected, 1e-6);
        }
    }

    [Fact]
    public void Rise_equals_the_formula_computed_by_an_explicit_loop()
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 91);
        using var inputs = TinyNets.SparseInputs(4, 36, 92);
        using var blank = zeros(1, 36);
        using var x = cat([inputs, blank], 0);
        using var generator = new Generator(93);
        using var masks = rand([50, 6, 6], generator: generator);
        using var targets = tensor(new long[] { 0, 1, 2, 3, 2 });
        var p = 0.4;
        using var fast = model.Explain(x).For(targets).Using(Attributions.Rise(new RiseOptions { Masks = masks, Probability = p })).Compute();

        using var scope = NewDisposeScope();
        var literal = zeros(5, 36);
        for (var k = 0; k < 50; k++)
        {
            var mask = masks.select(0, k).reshape(1, 36);
            var f = ModelOutputs.TargetScores(model, x.mul(mask), targets, OutputSpace.Probabilities);
            literal.add_(f.unsqueeze(1).mul(mask));
        }

        literal.div_(50 * p);
        TensorAssert.Close(fast, literal, 1e-5);
        using var blankRow = literal.select(0, 4).abs().max();
        blankRow.item<float>().Should().BeGreaterThan(0f, "a blank input still gets f_t(0)·ΣM/(N·p)");
    }

    [Fact]
    public void Generated_masks_lie_in_0_1_with_mean_p()
    {
        foreach (var p in new[] { 0.5, 0.2 })
        {
            var values = RiseMasks.Generate(2000, 7, p, (28, 28), 1);
            values.Should().HaveCount(2000 * 784);
            values.Min().Should().Be(0f);
            values.Max().Should().Be(1f);
            values.Average(v => (double)v).Should().BeApproximately(p, 0.01);
            values.Count(v => v > 0 && v < 1).Should().BeGreaterThan(values.Length / 10, "bilinear upsampling blends neighbouring cells");
        }
    }

    [Fact]
    public void Masks_are_shifted_upsampled_grids()
    {
        // A 1×1 grid upsamples to a constant, so each mask is all 0 or all 1 (to float rounding: torch's
        // bilinear weights sum to 1 − 6e-8 at some pixels), about half of each.
        var constant = RiseMasks.Generate(200, 1, 0.5, (6, 5), 2);
        var ones = 0;
        for (var k = 0; k < 200; k++)
        {
            var mask = constant.AsSpan(k * 30, 30).ToArray();
            var first = mask[0];
            first.Should().BeOneOf(0f, 1f);
            mask.Should().OnlyContain(v => Math.Abs(v - first) <= 1e-6f);
            ones += first == 1f ? 1 : 0;
        }

        ones.Should().BeInRange(70, 130);

        // A 2×2 grid on 4×4: cell 2, upsampled to 6×6, cropped at offsets 0 or 1 per axis. With every
        // cell 1 (p = 1) all masks are exactly 1.
        RiseMasks.Generate(50, 2, 1.0, (4, 4), 3).Should().OnlyContain(v => Math.Abs(v - 1f) <= 1e-6f);

        // Different offsets give different crops of the same grid: many distinct masks even for few grids.
        var shifted = RiseMasks.Generate(400, 2, 0.5, (4, 4), 4);
        var distinct = Enumerable.Range(0, 400).Select(k => string.Join(",", shifted.AsSpan(k * 16, 16).ToArray())).Distinct().Count();
        distinct.Should().BeGreaterThan(16, "2×2 binary grids alone give at most 16 masks");
    }

    [Fact]
    public void With_p_1_every_mask_is_one_and_saliency_is_the_target_score()
    {
        // M_k = 1 for all k: Σ_k f_t(x) · 1 / (N · 1) = f_t(x) at every pixel.
        using var model = TinyNets.RandomTrained([36, 12, 4], 101);
        using var x = TinyNets.SparseInputs(3, 36, 102);
        using var targets = tensor(new long[] { 1, 2, 3 });
        using var r = model.Explain(x).For(targets).Using(Attributions.Rise(new RiseOptions { MaskCount = 100, Probability = 1, ImageShape = (6, 6) })).Compute();
        using var scores = ModelOutputs.TargetScores(model, x, targets, OutputSpace.Probabilities);
        using var expected = scores.unsqueeze(1).expand(3, 36);
        TensorAssert.Close(r, expected, 1e-6);
    }

    [Fact]
    public void Same_seed_same_result_other_seed_other_result_and_no_batch_size_dependence()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 111);
        using var x = TinyNets.SparseInputs(5, 784, 112);
        RiseOptions Options(long seed, long budget = RiseOptions.DefaultMemoryBudgetBytes) => new() { MaskCount = 300, Seed = seed, MemoryBudgetBytes = budget };
        using var a = model.Explain(x).Using(Attributions.Rise(Options(5))).Compute();
        using var b = model.Explain(x).Using(Attributions.Rise(Options(5))).Compute();
        using var c = model.Explain(x).Using(Attributions.Rise(Options(6))).Compute();
        TensorAssert.Identical(a, b);
        using var difference = a.sub(c).abs().max();
        difference.item<float>().Should().BeGreaterThan(1e-4f);

        var method = Attributions.Rise(Options(5));
        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).WithBatchSize(batch).Using(method).Compute();
            TensorAssert.Close(r, a, 1e-6);
        }

        using var small = model.Explain(x).Using(Attributions.Rise(Options(5, 1 << 16))).Compute();
        TensorAssert.Close(small, a, 1e-6);
    }

    public static TheoryData<string, Func<AttributionMethod>> BadOptions => new()
    {
        { "MaskCount", () => Attributions.Rise(new RiseOptions { MaskCount = 0 }) },
        { "GridSize", () => Attributions.Rise(new RiseOptions { GridSize = 0 }) },
        { "Probability", () => Attributions.Rise(new RiseOptions { Probability = 0 }) },
        { "Probability", () => Attributions.Rise(new RiseOptions { Probability = 1.5 }) },
        { "Probability", () => Attributions.Rise(new RiseOptions { Probability = double.NaN }) },
        { "ImageShape", () => Attributions.Rise(new RiseOptions { ImageShape = (28, 0) }) },
        { "Masks", () => Attributions.Rise(new RiseOptions { Masks = zeros(10) }) },
        { "Masks", () => Attributions.Rise(new RiseOptions { Masks = zeros([4, 28, 28], dtype: int64) }) },
        { "Masks", () => Attributions.Rise(new RiseOptions { Masks = full(4, 784, float.NaN) }) },
        { "OutputSpace", () => Attributions.Rise(new RiseOptions { OutputSpace = (OutputSpace)2 }) },
        { "MemoryBudgetBytes", () => Attributions.Rise(new RiseOptions { MemoryBudgetBytes = 0 }) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_when_the_method_is_made(string option, Func<AttributionMethod> make)
    {
        make.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(option);
    }

    [Fact]
    public void Masks_that_do_not_fit_the_model_are_rejected_naming_the_option()
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 121);
        using var x = TinyNets.SparseInputs(2, 36, 122);
        var shape = () => model.Explain(x).Using(Attributions.Rise(new RiseOptions { MaskCount = 10 })).Compute();
        shape.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("ImageShape");
        using var masks = ones(3, 35);
        var supplied = () => model.Explain(x).Using(Attributions.Rise(new RiseOptions { Masks = masks })).Compute();
        supplied.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Masks");
    }
}
