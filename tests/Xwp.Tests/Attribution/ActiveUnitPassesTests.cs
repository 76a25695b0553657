using System.Runtime.Intrinsics.X86;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Attribution.Xwp;
using Xwp.IO;
using Xwp.Models;
using Xwp.Tests.Cli;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// The rank-1 pass that leaves out the units a ReLU zeroes in every row of an image's run
/// (<see cref="ActiveUnitPasses"/>): hand-computed values and work, equality with the literal path for every
/// vector width, thread count and target kind, and what happens to errors, cancellation and torch's thread count.
/// </summary>
public class ActiveUnitPassesTests
{
    public static TheoryData<int> LanesThisCpuHas()
    {
        var data = new TheoryData<int> { 0 };
        if (Avx2.IsSupported)
        {
            data.Add(8);
        }

        if (Avx512F.IsSupported)
        {
            data.Add(16);
        }

        return data;
    }

    /// <summary>
    /// 2 inputs → 3 hidden (ReLU) → 2 logits. Trained W = [[1, 0], [0, 1], [−1, −1]], b = [0, 0, −10];
    /// W⁰ = 0 (so Δ = W⁰ − W); second layer W₂ = [[1, 2, 7], [0, 1, −7]], b₂ = [0.5, 0].
    /// </summary>
    private static XwpModel HandNet(out IDisposable owner)
    {
        var module = nn.Sequential(("0", nn.Linear(2, 3)), ("1", nn.ReLU()), ("2", nn.Linear(3, 2)));
        using (no_grad())
        {
            var p = module.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            p["0.weight"].copy_(tensor(new float[] { 1, 0, 0, 1, -1, -1 }, [3, 2]));
            p["0.bias"].copy_(tensor(new float[] { 0, 0, -10 }));
            p["2.weight"].copy_(tensor(new float[] { 1, 2, 7, 0, 1, -7 }, [2, 3]));
            p["2.bias"].copy_(tensor(new float[] { 0.5f, 0 }));
        }

        using var initial = FirstLayerSnapshot.FromWeight("0", zeros(3, 2));
        owner = module;
        return XwpModel.FromModule(module, initial);
    }

    [Fact]
    public void A_hand_computed_map_and_the_work_left_out()
    {
        // x = [1, 2]: h = x Wᵀ + b = [1, 2, −13]; ReLU → [1, 2, 0]; logits [1 + 4 + 0.5, 2] = [5.5, 2].
        // Feature 0 reset: h + x₀ Δ₀ = [1 − 1, 2, −13 + 1] = [0, 2, −12] → ReLU [0, 2, 0] → [4.5, 2].
        // Feature 1 reset: h + x₁ Δ₁ = [1, 2 − 2, −13 + 2] = [1, 0, −11] → ReLU [1, 0, 0] → [1.5, 0].
        // Target 0 (I = [+1, −1]): R₀ = (5.5 − 4.5) − (2 − 2) = 1; R₁ = (5.5 − 1.5) − (2 − 0) = 2.
        // Unit 2 is < 0 in both rows: the product runs over units 0 and 1 and the bias column,
        // 2 rows × 3 columns × 2 outputs = 12 multiply-adds (16 with unit 2).
        using var model = HandNet(out var owner);
        using var _ = owner;
        using var x = tensor(new float[] { 1, 2 }, [1, 2]);
        using var target = tensor(new long[] { 0 });
        model.FirstLayer.NextLinear.Should().NotBeNull();
        var before = Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds);
        using var map = model.Explain(x).For(target).Using(Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits })).Compute();
        (Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds) - before).Should().Be(12);
        TensorAssert.Close(map, [1, 2], 1e-6);

        using var literal = model.Explain(x).For(target).Using(Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits, Algorithm = XwpAlgorithm.RowSwap })).Compute();
        TensorAssert.Close(literal, [1, 2], 1e-6);
    }

    [Theory]
    [MemberData(nameof(LanesThisCpuHas))]
    public void Every_row_builder_thread_count_and_target_kind_equals_the_literal_path(int lanes)
    {
        // 37 hidden units (not a multiple of 8 or 16, so the scalar tail runs too) with biases shifted down so
        // that many are ≤ 0 in every row; a small memory budget makes many groups, shared by two threads.
        var savedLanes = ActiveUnitPasses.Lanes;
        var savedThreads = XwpRuntime.Threads;
        try
        {
            ActiveUnitPasses.Lanes = lanes;
            using var model = TinyNets.RandomTrained([60, 37, 12, 5], 21, noise: 0.2);
            using (no_grad())
            {
                model.Module.named_parameters().First(p => p.name.EndsWith("0.bias", StringComparison.Ordinal)).parameter.sub_(0.3);
                model.MarkTrained();
            }

            using var x = TinyNets.SparseInputs(40, 60, 22);
            using var targets = randint(0, 5, [40], generator: new Generator(23));
            foreach (var threads in new[] { 1, Math.Min(2, XwpRuntime.MaxThreads) })
            {
                XwpRuntime.Threads = threads;
                var methods = new (AttributionMethod Fast, AttributionMethod Literal)[]
                {
                    (Attributions.Xwp(new XwpOptions { MemoryBudgetBytes = 64 << 10 }), Attributions.Xwp(new XwpOptions { Algorithm = XwpAlgorithm.RowSwap })),
                    (Attributions.XwpComplement(new XwpComplementOptions { MemoryBudgetBytes = 64 << 10 }), Attributions.XwpComplement(new XwpComplementOptions { Algorithm = XwpAlgorithm.RowSwap })),
                    (Attributions.XwpComplement(new XwpComplementOptions { MemoryBudgetBytes = 64 << 10, Sign = ComplementSign.Literal, OutputSpace = OutputSpace.Logits }),
                        Attributions.XwpComplement(new XwpComplementOptions { Algorithm = XwpAlgorithm.RowSwap, Sign = ComplementSign.Literal, OutputSpace = OutputSpace.Logits })),
                };
                foreach (var (fast, literal) in methods)
                {
                    var before = Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds);
                    using var a = model.Explain(x).For(targets).Using(fast).Compute();
                    var work = Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds) - before;
                    using var b = model.Explain(x).For(targets).Using(literal).Compute();
                    TensorAssert.Close(a, b, 2e-6);
                    using var all = model.Explain(x).ForAllClasses().Using(fast).Compute();
                    using var allLiteral = model.Explain(x).ForAllClasses().Using(literal).Compute();
                    TensorAssert.Close(all, allLiteral, 2e-6);

                    // Some units were left out: fewer multiply-adds than every pair times (37 units + bias) × 12.
                    using var pairs = x.ne(0).sum();
                    work.Should().BeGreaterThan(0).And.BeLessThan(pairs.item<long>() * 38 * 12, fast.Name);
                }

                XwpRuntime.Threads.Should().Be(threads, "torch's thread count is restored after the workers");
            }
        }
        finally
        {
            ActiveUnitPasses.Lanes = savedLanes;
            XwpRuntime.Threads = savedThreads;
        }
    }

    [Fact]
    public void A_scripted_or_torchsharp_sequential_exposes_the_linear_after_the_relu_only_when_there_is_one()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var deep = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()), ("2", nn.Linear(3, 5)), ("3", nn.ReLU()), ("4", nn.Linear(5, 2)));
        var next = FirstLinear.Locate(deep, null, null).NextLinear;
        next.Should().NotBeNull();
        next!.Weight.shape.Should().Equal(5, 3);

        // Rest(layer 2's output) = layer 4(ReLU(·)): the whole module equals it on layer 2 of ReLU(layer 0).
        var x = randn(6, 4, generator: new Generator(1));
        var layers = deep.children().Cast<nn.Module<Tensor, Tensor>>().ToArray();
        var z2 = layers[2].call(layers[1].call(layers[0].call(x)));
        TensorAssert.Close(next.Rest(z2.clone()), deep.call(x), 1e-6);

        FirstLinear.Locate(nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()), ("2", nn.Dropout()), ("3", nn.Linear(3, 2))), null, null).NextLinear.Should().BeNull();
        FirstLinear.Locate(nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.GELU()), ("2", nn.Linear(3, 2))), null, null).NextLinear.Should().BeNull();
        FirstLinear.Locate(nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU())), null, null).NextLinear.Should().BeNull();
    }

    [Fact]
    public void A_failure_in_a_worker_reaches_the_caller_and_torchs_thread_count_is_restored()
    {
        var saved = XwpRuntime.Threads;
        try
        {
            XwpRuntime.Threads = Math.Min(2, XwpRuntime.MaxThreads);
            using var model = TinyNets.RandomTrained([60, 37, 5], 31);
            using var x = TinyNets.SparseInputs(30, 60, 32);
            using var targets = zeros(30, dtype: int64);
            var access = model.FirstLayer;
            var calls = 0;
            var failing = access with
            {
                NextLinear = access.NextLinear! with
                {
                    Rest = z => Interlocked.Increment(ref calls) == 3 ? throw new InvalidOperationException("rest failed on purpose") : access.NextLinear!.Rest(z),
                },
            };
            using var noGrad = no_grad();
            var act = () => FirstLayerPerturbation.Rank1(failing, x, targets, Perturbation.ResetFeature, ComplementSign.ByItself, OutputSpace.Probabilities, 16 << 10, CancellationToken.None);
            act.Should().Throw<InvalidOperationException>().WithMessage("rest failed on purpose");
            XwpRuntime.Threads.Should().Be(Math.Min(2, XwpRuntime.MaxThreads));

            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            var cancel = () => FirstLayerPerturbation.Rank1(access, x, targets, Perturbation.ResetFeature, ComplementSign.ByItself, OutputSpace.Probabilities, 16 << 10, cancelled.Token);
            cancel.Should().Throw<OperationCanceledException>();
            XwpRuntime.Threads.Should().Be(Math.Min(2, XwpRuntime.MaxThreads));
        }
        finally
        {
            XwpRuntime.Threads = saved;
        }
    }

    [Fact]
    public void A_scripted_relu_mlp_run_by_two_threads_gives_pytorchs_literal_values()
    {
        // xwp_relu_mlp.pt: Linear 20→24, ReLU, Linear 24→10, ReLU, Linear 10→4 (scripted), trained 60 SGD steps;
        // xwp_relu_mlp_xwp.npy: XWP evaluated literally in PyTorch (make_relu_mlp_fixture.py). Within the 64 KiB budget two
        // workers take groups of 59 pairs (The_budget_plan_... has the arithmetic), so both threads run the scripted rest at once.
        var saved = XwpRuntime.Threads;
        try
        {
            using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_relu_mlp.pt"));
            using var initial = FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_relu_mlp_init_state.pt"), script);
            using var model = XwpModel.FromTorchScript(script, initial);
            model.FirstLayer.NextLinear.Should().NotBeNull();
            using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("xwp_relu_mlp_inputs.npy"));
            using var y = NpyFile.Read(TorchScriptCommandTests.Fixture("xwp_relu_mlp_targets.npy"));
            using var expected = NpyFile.Read(TorchScriptCommandTests.Fixture("xwp_relu_mlp_xwp.npy"));
            foreach (var threads in new[] { 1, Math.Min(2, XwpRuntime.MaxThreads) })
            {
                XwpRuntime.Threads = threads;
                var before = Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds);
                using var map = model.Explain(x).For(y).Using(Attributions.Xwp(new XwpOptions { MemoryBudgetBytes = 64 << 10 })).Compute();
                (Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds) - before).Should().BePositive("the active-unit pass ran");
                TensorAssert.Close(map, expected, 1e-6);
            }
        }
        finally
        {
            XwpRuntime.Threads = saved;
        }
    }

    [Fact]
    public void The_budget_plan_counts_the_shared_and_per_worker_copies_of_w2()
    {
        // xwp_relu_mlp (H = 24, H2 = 10) at 64 KiB: 170 chunk rows of ⌈65536 / 170⌉ = 386 bytes. W₂ᵀ and b₂: 4·25·10 = 1000 bytes;
        // a worker with groups of g pairs: 4·(25g + 16 + 250 + 10g) + 386g = 526g + 1064. Two workers: 1000 + 2·(526g + 1064)
        // ≤ 65536 → g ≤ 59.3.
        ActiveUnitPasses.WorkerBytes(24, 10, 59, 386).Should().Be((526 * 59) + 1064);
        ActiveUnitPasses.Plan(24, 10, 10_000, 170, 386, 64 << 10, 2).Should().Be((2, 59L));

        // H = H2 = 300 (rows of 4878 bytes at 1 MiB): W₂ᵀ and b₂ take 4·301·300 = 361,200 bytes and every worker's copy of
        // them 361,200 more, so two workers need more than 1 MiB even with groups of one pair (361,200 + 2·(4·(301 + 16 +
        // 90,300 + 300) + 4878) = 1,098,292): one worker, 361,200 + 4·(301g + 16 + 90,300 + 300g) + 4878g = 722,464 + 7282g
        // ≤ 1,048,576 → g ≤ 44.8.
        ActiveUnitPasses.WorkerBytes(300, 300, 1, 4878).Should().Be((4 * (301 + 16 + 90_300 + 300)) + 4878);
        ActiveUnitPasses.Plan(300, 300, 10_000, 215, 4878, 1 << 20, 2).Should().Be((1, 44L));

        // At 64 KiB not even W₂ᵀ fits: the chunked path runs instead.
        ActiveUnitPasses.Plan(300, 300, 10_000, 13, 5042, 64 << 10, 2).Should().BeNull();

        // The benchmark's 784-400-100-10 network at the default 256 MiB (15,827 chunk rows of 4,241 bytes within the 64 MiB CPU
        // cap): two workers with full groups take 160,400 + 2·(4·(1024·401 + 16 + 40,100 + 819,200) + 8192·4241) ≈ 80 MB, so the
        // plan is what it was before the copies were counted.
        ActiveUnitPasses.Plan(400, 100, 100_000, 15_827, 4241, XwpOptions.DefaultMemoryBudgetBytes, 2).Should().Be((2, 8192L));

        // Fewer pairs than two groups need: one worker, as before the budget counted the copies.
        ActiveUnitPasses.Plan(24, 10, 40, 170, 386, 64 << 10, 2).Should().Be((1, 40L));
    }

    [Fact]
    public void The_budget_decides_between_the_active_unit_pass_and_the_chunked_path_and_both_equal_the_literal_path()
    {
        // 20 → 300 (ReLU) → 300 → 3: W₂ᵀ alone is 361 KB. At 64 KiB the chunked path runs (no multiply-adds of the
        // active-unit pass); at 1 MiB one worker fits (The_budget_plan_...), and the pass runs. Both equal the literal path.
        var saved = XwpRuntime.Threads;
        try
        {
            XwpRuntime.Threads = Math.Min(2, XwpRuntime.MaxThreads);
            using var model = TinyNets.RandomTrained([20, 300, 300, 3], 41, noise: 0.2);
            using var x = TinyNets.SparseInputs(6, 20, 42);
            using var targets = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
            using var literal = model.Explain(x).For(targets).Using(Attributions.Xwp(new XwpOptions { Algorithm = XwpAlgorithm.RowSwap })).Compute();
            model.FirstLayer.NextLinear.Should().NotBeNull();
            foreach (var (budget, activePass) in new[] { (64L << 10, false), (1L << 20, true) })
            {
                var before = Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds);
                using var map = model.Explain(x).For(targets).Using(Attributions.Xwp(new XwpOptions { MemoryBudgetBytes = budget })).Compute();
                var work = Interlocked.Read(ref ActiveUnitPasses.MultiplyAdds) - before;
                if (activePass)
                {
                    work.Should().BePositive($"the pass fits {budget} bytes");
                }
                else
                {
                    work.Should().Be(0, $"W₂ᵀ's copies do not fit {budget} bytes");
                }

                TensorAssert.Close(map, literal, 2e-6);
            }

            using var nonzero = literal.ne(0).sum();
            nonzero.item<long>().Should().BePositive();
        }
        finally
        {
            XwpRuntime.Threads = saved;
        }
    }

    [Fact]
    public void Non_finite_pre_activations_take_the_dense_path_so_a_nan_is_not_dropped_with_a_left_out_unit()
    {
        using var scope = NewDisposeScope();
        var next = new NextLinear(ones(2, 3), null, z => z);
        var start = tensor(new float[] { 1, float.NaN, -1 }, [1, 3]);
        var delta = zeros(2, 3);
        ActiveUnitPasses.Applies(start, delta, next).Should().BeFalse();
        ActiveUnitPasses.Applies(start.nan_to_num(), delta, next).Should().BeTrue();
        ActiveUnitPasses.Applies(start.nan_to_num(), delta.to(float64), next).Should().BeFalse("float64 takes the torch ops");
    }
}
