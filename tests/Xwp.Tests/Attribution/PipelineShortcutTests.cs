using FluentAssertions;
using Xunit;
using Xwp.Attribution;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// The explanation pipeline's shortcuts: one batch hands the method's own tensor over instead of copying it, the
/// gradient methods and LRP on an Fcnn take predicted classes from their own forward pass, and one sum proves a
/// tensor finite. Each must give exactly what the long way gives, and never hand out the caller's tensors.
/// </summary>
public class PipelineShortcutTests
{
    public static TheoryData<string> OwnedMapMethods => new() { "saliency", "saliency-signed", "inputxgradient", "lrp", "ig", "random", "input-magnitude" };

    public static TheoryData<string> PredictingMethods => new() { "saliency", "saliency-signed", "inputxgradient", "lrp" };

    private static AttributionMethod Make(string name) => name switch
    {
        "saliency" => Attributions.Saliency(),
        "saliency-signed" => Attributions.Saliency(new SaliencyOptions { Absolute = false }),
        "inputxgradient" => Attributions.InputXGradient(),
        "lrp" => Attributions.Lrp(),
        "ig" => Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 20 }),
        "random" => Attributions.Random(new RandomOptions { Seed = 4 }),
        "input-magnitude" => Attributions.InputMagnitude(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(OwnedMapMethods))]
    public void One_batch_map_is_the_methods_result_bit_for_bit_and_not_the_inputs(string name)
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 151);
        using var x = TinyNets.SparseInputs(5, 36, 152);
        using var copy = x.clone();
        using var targets = tensor(new long[] { 3, 2, 1, 0, 3 });
        var method = Make(name);

        using var map = model.Explain(x).For(targets).Using(method).Compute();
        Tensor direct;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            direct = method.AttributeBatch(new AttributionBatch(model, x, targets, 0, CancellationToken.None)).MoveToOuterDisposeScope();
        }

        using (direct)
        {
            Batching.IsOwnedMap(method, direct, x).Should().BeTrue("the shortcut must be the path under test");
            TensorAssert.Identical(map, direct);
        }

        using (var nonzero = map.ne(0).sum())
        {
            nonzero.item<long>().Should().BeGreaterThan(0, "a map of zeros would make the comparisons vacuous");
        }

        map.Handle.Should().NotBe(x.Handle);
        map.fill_(7f);
        TensorAssert.Identical(x, copy);
    }

    [Fact]
    public void A_result_that_is_the_batch_inputs_is_copied_not_handed_over()
    {
        // A method returning its inputs (x itself) must still give the caller a tensor of their own.
        using var model = TinyNets.RandomTrained([36, 12, 4], 153);
        using var x = TinyNets.SparseInputs(3, 36, 154);
        using var copy = x.clone();
        using var map = model.Explain(x).For(0, 1, 2).Using(new Echo()).Compute();
        map.Handle.Should().NotBe(x.Handle);
        TensorAssert.Identical(map, copy);
        map.fill_(7f);
        TensorAssert.Identical(x, copy);
    }

    [Fact]
    public void Owned_map_check_refuses_the_inputs_other_shapes_dtypes_and_strided_views()
    {
        var saliency = Attributions.Saliency();
        using var x = zeros(4, 3);
        using var fresh = zeros(4, 3);
        using var wide = zeros(3, 4);
        using var transposed = wide.t();
        using var doubles = zeros(4, 3, dtype: float64);
        using var other = zeros(4, 2);
        Batching.IsOwnedMap(saliency, fresh, x).Should().BeTrue();
        Batching.IsOwnedMap(saliency, x, x).Should().BeFalse();
        Batching.IsOwnedMap(saliency, transposed, x).Should().BeFalse("a [4, 3] view of a [3, 4] tensor is not contiguous");
        Batching.IsOwnedMap(saliency, doubles, x).Should().BeFalse();
        Batching.IsOwnedMap(saliency, other, x).Should().BeFalse();
        Batching.IsOwnedMap(Attributions.Occlusion(), fresh, x).Should().BeFalse("only methods that promise fresh results are handed over");
    }

    [Theory]
    [MemberData(nameof(PredictingMethods))]
    public void Predicted_classes_from_the_methods_pass_equal_a_separate_prediction(string name)
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 155, noise: 1.0);
        using var g = new TorchSharp.torch.Generator(156);
        using var x = randn([8, 36], generator: g).mul_(3);
        using var predicted = model.Predict(x);
        var method = Make(name);

        using var fused = model.Explain(x).Using(method).ComputeExplanation();
        using var given = model.Explain(x).For(predicted).Using(method).ComputeExplanation();
        using var batched = model.Explain(x).WithBatchSize(4).Using(method).ComputeExplanation();

        using (var distinct = predicted.unique().Item1)
        {
            distinct.shape[0].Should().BeGreaterThan(1, "one class for every row would not show rows getting their own");
        }

        fused.Targets.dtype.Should().Be(ScalarType.Int64);
        TensorAssert.Identical(fused.Targets.to(float32), predicted.to(float32));
        TensorAssert.Identical(batched.Targets.to(float32), predicted.to(float32));
        TensorAssert.Identical(fused.Map, given.Map);
        fused.Diagnostics.Keys.Should().Equal(given.Diagnostics.Keys);
        foreach (var (key, value) in fused.Diagnostics)
        {
            TensorAssert.Identical(value, given.Diagnostics[key]);
        }
    }

    [Fact]
    public void Lrp_on_outputs_that_are_not_finite_reports_them_before_its_activation_with_predicted_classes()
    {
        // GELU has no LRP rule, and NaN weights make every output NaN. Predicting the classes comes first, so the
        // outputs' error wins; with given classes LRP's own check is the first to fail.
        using var model = NanGeluNet();
        using var x = ones(2, 3);
        var predicted = () => model.Explain(x).Using(Attributions.Lrp()).Compute();
        predicted.Should().Throw<InvalidOperationException>().WithMessage("The model returned 4 NaN values among its 4 outputs [2, 2] for a batch of 2 input row(s);*");
        var given = () => model.Explain(x).For(0, 1).Using(Attributions.Lrp()).Compute();
        given.Should().Throw<NotSupportedException>().WithMessage("LRP supports FCNNs with ReLU or LeakyReLU activations; this model uses GELU.*");
        var saliency = () => model.Explain(x).Using(Attributions.Saliency()).Compute();
        saliency.Should().Throw<InvalidOperationException>().WithMessage("The model returned 4 NaN values among its 4 outputs [2, 2] for a batch of 2 input row(s);*");
    }

    [Fact]
    public void Given_targets_are_copied_into_the_explanation_and_predicted_ones_are_its_own()
    {
        using var model = TinyNets.RandomTrained([36, 12, 4], 157);
        using var x = TinyNets.SparseInputs(3, 36, 158);
        using var targets = tensor(new long[] { 1, 2, 3 });
        using var explanation = model.Explain(x).For(targets).Using(Attributions.Saliency()).ComputeExplanation();
        explanation.Targets.Handle.Should().NotBe(targets.Handle);
        targets.fill_(0);
        TensorAssert.Identical(explanation.Targets.to(float32), tensor(new float[] { 1, 2, 3 }));
    }

    [Fact]
    public void One_sum_proves_finite_and_an_overflowing_sum_falls_back_to_the_exact_test()
    {
        // 3e38 · 3 overflows float32 (max ≈ 3.4e38) although every value is finite.
        using var huge = full(3, 3e38f);
        using var mixedInfinities = tensor(new[] { float.PositiveInfinity, float.NegativeInfinity, 1f });
        using var nan = tensor(new[] { 1f, float.NaN });
        using var plain = tensor(new[] { 1f, -2f, 0f });
        using var halves = full(4, 60000f, dtype: float16);
        InputValidation.AllFinite(plain).Should().BeTrue();
        InputValidation.AllFinite(huge).Should().BeTrue();
        InputValidation.AllFinite(halves).Should().BeTrue("the half-precision sum 240000 overflows, the values do not");
        InputValidation.AllFinite(nan).Should().BeFalse();
        InputValidation.AllFinite(mixedInfinities).Should().BeFalse();

        using var rows = full(2, 3, 3e38f);
        var check = () => InputValidation.CheckInputs(rows, 3, "inputs");
        check.Should().NotThrow();
        using var logits = full(2, 2, 3e38f);
        using var model = TinyNets.ThreeTwoTwo();
        var values = () => ModelOutputs.CheckValues(model, logits);
        values.Should().NotThrow();
    }

    private static Fcnn NanGeluNet()
    {
        using var scope = NewDisposeScope();
        var w = full(2, 3, float.NaN);
        var b = zeros(2);
        var w2 = eye(2, dtype: float32);
        var b2 = zeros(2);
        var initial = FcnnSnapshot.Capture([w.nan_to_num(0), w2], [b, b2], Activation.GELU, 0.01);
        var trained = FcnnSnapshot.Capture([w, w2], [b, b2], Activation.GELU, 0.01);
        return Fcnn.FromSnapshots(initial, trained);
    }

    /// <summary>Returns the batch's inputs themselves.</summary>
    private sealed class Echo : CustomAttributionMethod
    {
        public override string Name => "echo";

        protected override Tensor Attribute(ExplainableModel model, Tensor inputs, Tensor targets, long offset, CancellationToken cancellationToken) => inputs;
    }
}
