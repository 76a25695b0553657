using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.KernelShap;
using Xwp.Attribution.Shapley;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class KernelShapTests
{
    // ThreeTwoTwo on logits, x = [1, 2, 0], target 0, baseline 0. Feature 2 equals the baseline, so it
    // is a dummy (exactly 0) and the players are features 0 and 1:
    //   v(∅)     = logit_0 at [0,0,0]: h = [0, −1] → relu [0, 0] → 0
    //   v({0})   = at [1,0,0]: h = [1, −1] → 1
    //   v({1})   = at [0,2,0]: h = [4, 1]  → 4
    //   v({0,1}) = at [1,2,0]: h = [5, 1]  → 5
    //   φ0 = ½[(v({0}) − v(∅)) + (v({0,1}) − v({1}))] = ½[1 + 1] = 1
    //   φ1 = ½[(v({1}) − v(∅)) + (v({0,1}) − v({0}))] = ½[4 + 4] = 4          (sum 5 = v(all) − v(∅))
    internal static readonly float[] HandShapley = [1, 4, 0];

    [Fact]
    public void Two_players_match_the_hand_computed_shapley_values()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0 }, [1, 3]);
        using var r = model.Explain(x).For(0).Using(Attributions.KernelShap(new KernelShapOptions { OutputSpace = OutputSpace.Logits })).Compute();
        r.shape.Should().Equal(1, 3);
        TensorAssert.Close(r, HandShapley, 1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_every_coalition_it_equals_the_exact_shapley_values(bool grouped)
    {
        // M = 8 single features (2^8 = 256 coalitions) or 4 groups of two (16 coalitions); a non-zero baseline.
        using var model = TinyNets.RandomTrained([8, 6, 3], 1, noise: 0.3);
        using var x = TinyNets.SparseInputs(3, 8, 2, zeroFraction: 0);
        using var baseline = tensor(new float[] { 0.1f, 0, 0.5f, 0.2f, 0, 0.3f, 0.9f, 0.4f });
        int[] groups = grouped ? [0, 0, 1, 1, 2, 2, 3, 3] : [0, 1, 2, 3, 4, 5, 6, 7];
        var options = new KernelShapOptions
        {
            Samples = grouped ? 16 : 256,
            Baseline = baseline,
            FeatureMask = grouped ? FeatureMask.FromGroups(groups) : null,
        };
        using var targets = tensor(new long[] { 0, 1, 2 });
        using var r = model.Explain(x).For(targets).Using(Attributions.KernelShap(options)).Compute();

        var xs = TensorAssert.Values(x);
        var b = TensorAssert.Values(baseline);
        var values = TensorAssert.Values(r);
        var largest = 0.0;
        for (var row = 0; row < 3; row++)
        {
            var exact = ExactShapley.PerFeature(model, xs[(row * 8)..((row + 1) * 8)], b, groups, row, OutputSpace.Probabilities);
            for (var i = 0; i < 8; i++)
            {
                values[(row * 8) + i].Should().BeApproximately((float)exact[i], 1e-5f, $"row {row}, feature {i}");
                largest = Math.Max(largest, Math.Abs(exact[i]));
            }
        }

        largest.Should().BeGreaterThan(1e-3, "the comparison must not be between maps of zeros");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sampled_values_sum_to_the_output_change(bool constantBaseline)
    {
        // 64 features in 8 groups of 8, 100 coalitions (far fewer than 2^8 = 256 or 2^64): Σ_groups φ = f_t(x) − f_t(x′).
        using var model = TinyNets.RandomTrained([64, 32, 10], 3, noise: 0.3);
        using var x = TinyNets.SparseInputs(4, 64, 4);
        using var b = constantBaseline ? tensor(0.2f) : zeros(64);
        var groups = Enumerable.Range(0, 64).Select(i => i / 8).ToArray();
        var method = Attributions.KernelShap(new KernelShapOptions { Samples = 100, FeatureMask = FeatureMask.FromGroups(groups), Baseline = b, Seed = 5 });
        using var explanation = model.Explain(x).Using(method).ComputeExplanation();
        using var perGroup = explanation.Map.view(4, 8, 8).select(2, 0);
        using var bRows = b.expand(4, 64);
        using var fx = ModelOutputs.TargetScores(model, x, explanation.Targets, OutputSpace.Probabilities);
        using var fb = ModelOutputs.TargetScores(model, bRows, explanation.Targets, OutputSpace.Probabilities);
        using var sum = perGroup.sum(1);
        using var change = fx.sub(fb);
        TensorAssert.Close(sum, change, 1e-4);
        using var spread = change.abs().max();
        spread.item<float>().Should().BeGreaterThan(1e-3f);
        using var withinGroup = explanation.Map.view(4, 8, 8).std(2).max();
        withinGroup.item<float>().Should().Be(0f, "every feature of a group carries the group's value");
    }

    [Fact]
    public void Single_features_sum_to_the_output_change_on_a_784_400_100_10_network()
    {
        using var model = TinyNets.RandomTrained([784, 400, 100, 10], 6);
        using var x = TinyNets.SparseInputs(2, 784, 7);
        using var r = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = 300 })).Compute();
        using var zeroBaseline = zeros(2, 784);
        using var predicted = model.Predict(x);
        using var fx = ModelOutputs.TargetScores(model, x, predicted, OutputSpace.Probabilities);
        using var fb = ModelOutputs.TargetScores(model, zeroBaseline, predicted, OutputSpace.Probabilities);
        using var sum = r.sum(1);
        using var change = fx.sub(fb);
        TensorAssert.Close(sum, change, 1e-4);
        using var atZeros = r.masked_select(x.eq(0)).abs().max();
        atZeros.item<float>().Should().Be(0f, "features equal to the baseline are dummies with value exactly 0");
    }

    [Fact]
    public void More_coalitions_come_closer_to_the_exact_values()
    {
        using var model = TinyNets.RandomTrained([8, 6, 3], 8, noise: 0.3);
        using var x = TinyNets.SparseInputs(1, 8, 9, zeroFraction: 0);
        int[] groups = [0, 1, 2, 3, 4, 5, 6, 7];
        var exact = ExactShapley.PerFeature(model, TensorAssert.Values(x), new float[8], groups, 1, OutputSpace.Probabilities);
        double Error(int samples)
        {
            using var r = model.Explain(x).For(1).Using(Attributions.KernelShap(new KernelShapOptions { Samples = samples, Seed = 1 })).Compute();
            return TensorAssert.Values(r).Select((v, i) => Math.Abs(v - exact[i])).Max();
        }

        var rough = Error(12);
        var fine = Error(250);
        var scale = exact.Max(Math.Abs);
        fine.Should().BeLessThan(rough);
        fine.Should().BeLessThan(0.1 * scale);
    }

    [Fact]
    public void Superpixels_are_k_by_k_blocks_with_smaller_blocks_at_the_edges()
    {
        // 5×5 image, k = 2: blocks of columns {0,1},{2,3},{4} and rows likewise, numbered row by row.
        var (index, count) = FeatureMask.Superpixels(5, 5, 2).Resolve([25], "FeatureMask");
        count.Should().Be(9);
        index.Should().Equal(
            0, 0, 1, 1, 2,
            0, 0, 1, 1, 2,
            3, 3, 4, 4, 5,
            3, 3, 4, 4, 5,
            6, 6, 7, 7, 8);
        var (renumbered, groups) = FeatureMask.FromGroups([7, 3, 7, 10]).Resolve([4], "FeatureMask");
        groups.Should().Be(3);
        renumbered.Should().Equal(1, 0, 1, 2);
    }

    [Fact]
    public void Superpixel_mask_equals_the_same_blocks_given_as_a_flat_mask()
    {
        using var model = TinyNets.RandomTrained([16, 8, 3], 10, noise: 0.3);
        using var x = TinyNets.SparseInputs(3, 16, 11, zeroFraction: 0.2);
        var (index, _) = FeatureMask.Superpixels(4, 4, 2).Resolve([16], "FeatureMask");
        using var bySuperpixel = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(4, 4, 2), Samples = 16 })).Compute();
        using var byGroups = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.FromGroups(index.Select(i => (int)i).ToArray()), Samples = 16 })).Compute();
        TensorAssert.Identical(bySuperpixel, byGroups);
        using var nonZero = bySuperpixel.abs().max();
        nonZero.item<float>().Should().BeGreaterThan(0f);
    }

    [Fact]
    public void Torch_and_mathnet_solvers_agree_including_the_rank_deficient_case()
    {
        using var model = TinyNets.RandomTrained([20, 10, 4], 12, noise: 0.3);
        using var x = TinyNets.SparseInputs(3, 20, 13, zeroFraction: 0);
        foreach (var samples in new[] { 200, 10 })
        {
            using var viaTorch = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = samples, Solver = KernelShapSolverKind.Torch })).Compute();
            using var viaMathNet = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = samples, Solver = KernelShapSolverKind.MathNet })).Compute();
            TensorAssert.Close(viaTorch, viaMathNet, 1e-6);
            using var nonZero = viaTorch.abs().max();
            nonZero.item<float>().Should().BeGreaterThan(1e-4f);
        }
    }

    [Fact]
    public void Solver_enforces_efficiency_and_treats_players_alike_when_undetermined()
    {
        // One coalition {0} of three players, y = 1, Δ = 3: the constraint and the fit leave player 1 and 2
        // undetermined; the minimum-norm solution splits them equally. φ = [φ0, a, a] with φ0 + 2a = 3 and
        // the fit y ≈ φ0 exact: φ0 = 1, a = 1.
        using var scope = NewDisposeScope();
        var z = tensor(new float[] { 1, 0, 0 }, [1, 3]);
        var w = ones(1, dtype: float64);
        var y = ones(1, dtype: float64);
        foreach (var kind in new[] { KernelShapSolverKind.Torch, KernelShapSolverKind.MathNet })
        {
            var phi = KernelShapSolver.Solve(kind, z, w, y, 3.0);
            TensorAssert.Close(phi, [1, 1, 1], 1e-9);
        }
    }

    [Fact]
    public void Results_do_not_depend_on_batch_size_or_memory_budget()
    {
        using var model = TinyNets.RandomTrained([100, 40, 10], 14);
        using var x = TinyNets.SparseInputs(5, 100, 15);
        var options = new KernelShapOptions { Samples = 150, Seed = 3 };
        using var reference = model.Explain(x).Using(Attributions.KernelShap(options)).Compute();
        foreach (var batch in new[] { 1, 2, 3 })
        {
            using var r = model.Explain(x).WithBatchSize(batch).Using(Attributions.KernelShap(options)).Compute();
            TensorAssert.Close(r, reference, 1e-6);
        }

        using var small = model.Explain(x).Using(Attributions.KernelShap(options with { MemoryBudgetBytes = 1 << 16 })).Compute();
        TensorAssert.Close(small, reference, 1e-6);
    }

    [Fact]
    public void Same_seed_same_result_another_seed_another()
    {
        using var model = TinyNets.RandomTrained([100, 40, 10], 16);
        using var x = TinyNets.SparseInputs(3, 100, 17);
        using var a = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = 80, Seed = 1 })).Compute();
        using var b = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = 80, Seed = 1 })).Compute();
        using var c = model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = 80, Seed = 2 })).Compute();
        TensorAssert.Identical(a, b);
        using var difference = a.sub(c).abs().max();
        difference.item<float>().Should().BeGreaterThan(1e-6f);
    }

    [Fact]
    public void A_baseline_per_row_follows_its_row_across_batches()
    {
        using var model = TinyNets.RandomTrained([8, 6, 3], 18, noise: 0.3);
        using var x = TinyNets.SparseInputs(3, 8, 19, zeroFraction: 0);
        using var baselines = TinyNets.SparseInputs(3, 8, 20);
        using var all = model.Explain(x).WithBatchSize(2).Using(Attributions.KernelShap(new KernelShapOptions { Baseline = baselines, Samples = 256 })).Compute();
        for (var row = 0; row < 3; row++)
        {
            using var xr = x.narrow(0, row, 1);
            using var br = baselines[row];
            using var one = model.Explain(xr).Using(Attributions.KernelShap(new KernelShapOptions { Baseline = br, Samples = 256 })).Compute();
            using var part = all.narrow(0, row, 1);
            TensorAssert.Close(part, one, 1e-6);
        }
    }

    public static TheoryData<KernelShapOptions, string> BadOptions => new()
    {
        { new KernelShapOptions { Samples = 2 }, "Samples" },
        { new KernelShapOptions { OutputSpace = (OutputSpace)7 }, "OutputSpace" },
        { new KernelShapOptions { MemoryBudgetBytes = 10 }, "MemoryBudgetBytes" },
        { new KernelShapOptions { Baseline = null! }, "Baseline" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_naming_the_option(KernelShapOptions options, string name)
    {
        var act = () => Attributions.KernelShap(options);
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Bad_baselines_and_masks_are_refused_when_made()
    {
        var nan = () => new KernelShapOptions { Baseline = tensor(float.NaN) };
        nan.Should().Throw<ArgumentException>().WithMessage("*finite*");
        var integer = () => new KernelShapOptions { Baseline = tensor(new long[] { 0, 1 }) };
        integer.Should().Throw<ArgumentException>().WithMessage("*floating-point*");
        var empty = () => FeatureMask.FromGroups([]);
        empty.Should().Throw<ArgumentException>().WithMessage("*empty*");
        var superpixel = () => FeatureMask.Superpixels(28, 28, 0);
        superpixel.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Options_that_do_not_fit_the_inputs_are_reported_when_run()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 21);
        using var x = TinyNets.SparseInputs(2, 12, 22);
        using var b = zeros(11);
        var wrongBaseline = () => model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Baseline = b })).Compute();
        wrongBaseline.Should().Throw<ArgumentException>().WithMessage("*Baseline has shape [11]*[N, 12]*");
        var wrongImage = () => model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 2) })).Compute();
        wrongImage.Should().Throw<ArgumentException>().WithMessage("*FeatureMask has shape [28, 28]*12 ids*");
        var wrongGroups = () => model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.FromGroups([0, 1]) })).Compute();
        wrongGroups.Should().Throw<ArgumentException>().WithMessage("*FeatureMask has shape [2]*");
    }

    [Fact]
    public void Inputs_are_not_modified_and_repeated_calls_leak_no_tensors()
    {
        using var model = TinyNets.RandomTrained([30, 12, 4], 23);
        using var x = TinyNets.SparseInputs(3, 30, 24);
        using var copy = x.clone();
        using var baseline = full(30, 0.1f);
        var method = Attributions.KernelShap(new KernelShapOptions { Samples = 50, Baseline = baseline });
        model.Explain(x).Using(method).Compute().Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            model.Explain(x).WithBatchSize(2).Using(method).Compute().Dispose();
            model.Explain(x).Using(Attributions.KernelShap(new KernelShapOptions { Samples = 50, Solver = KernelShapSolverKind.MathNet })).Compute().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        TensorAssert.Identical(x, copy);
        TensorAssert.Values(baseline).Should().AllBeEquivalentTo(0.1f);
    }
}
