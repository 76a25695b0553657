using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

public class FcnnTests
{
    // ---------------------------------------------------------------- Create

    [Fact]
    public void Create_defaults_to_the_papers_784_400_100_10_relu_network()
    {
        using var model = Fcnn.Create();

        model.LayerSizes.Should().Equal(784, 400, 100, 10);
        model.InputSize.Should().Be(784);
        model.ClassCount.Should().Be(10);
        model.Activation.Should().Be(Activation.ReLU);
        model.LeakyReLUSlope.Should().Be(0.01);
        model.Device.type.Should().Be(DeviceType.CPU);
        model.Initial.Weights.Select(w => w.shape).Should().BeEquivalentTo(
            new[] { new long[] { 400, 784 }, [100, 400], [10, 100] }, o => o.WithStrictOrdering());
        model.Initial.Biases.Select(b => b.shape).Should().BeEquivalentTo(
            new[] { new long[] { 400 }, [100], [10] }, o => o.WithStrictOrdering());
        model.Initial.Weights.Should().OnlyContain(w => w.dtype == ScalarType.Float32);
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_initial_weights_and_another_seed_different_ones()
    {
        var sizes = new[] { 30, 20, 5 };
        using var a = Fcnn.Create(new FcnnOptions { LayerSizes = sizes, Seed = 7 });
        using var b = Fcnn.Create(new FcnnOptions { LayerSizes = sizes, Seed = 7 });
        using var c = Fcnn.Create(new FcnnOptions { LayerSizes = sizes, Seed = 8 });

        a.Initial.BitwiseEquals(b.Initial).Should().BeTrue();
        a.Initial.BitwiseEquals(c.Initial).Should().BeFalse();
        for (var i = 0; i < 2; i++)
        {
            TensorAssert.Values(a.Initial.Weights[i]).Should().NotEqual(TensorAssert.Values(c.Initial.Weights[i]), $"layer {i} weights");
            TensorAssert.Values(a.Initial.Biases[i]).Should().NotEqual(TensorAssert.Values(c.Initial.Biases[i]), $"layer {i} biases");
        }
    }

    [Fact]
    public void The_live_module_starts_at_the_initial_snapshot()
    {
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [6, 5, 3], Seed = 2 });
        var parameters = model.Module.named_parameters().ToList();

        // nn.Sequential numbering: Linear at 0 and 2, the activation at 1.
        parameters.Select(p => p.name).Should().Equal("0.weight", "0.bias", "2.weight", "2.bias");
        TensorAssert.Identical(parameters[0].parameter, model.Initial.Weights[0]);
        TensorAssert.Identical(parameters[1].parameter, model.Initial.Biases[0]);
        TensorAssert.Identical(parameters[2].parameter, model.Initial.Weights[1]);
        TensorAssert.Identical(parameters[3].parameter, model.Initial.Biases[1]);
    }

    [Fact]
    public void Initial_weights_and_biases_are_uniform_within_one_over_root_fan_in()
    {
        // Layer 0: fan_in 100, bound 0.1, 5000 weights and 50 biases.
        // Layer 1: fan_in 50, bound 1/√50 ≈ 0.1414, 200 weights and 4 biases.
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [100, 50, 4], Seed = 3 });
        int[] fanIn = [100, 50];
        for (var layer = 0; layer < 2; layer++)
        {
            var bound = 1 / Math.Sqrt(fanIn[layer]);
            var w = TensorAssert.Values(model.Initial.Weights[layer]);
            var b = TensorAssert.Values(model.Initial.Biases[layer]);

            w.Should().OnlyContain(v => Math.Abs(v) <= bound, $"layer {layer} weights lie in ±{bound}");
            b.Should().OnlyContain(v => Math.Abs(v) <= bound, $"layer {layer} biases lie in ±{bound}");

            // Spread over the whole interval: with n ≥ 200 uniform values, P(max < 0.9·bound) = 0.95^n < 1e-4.
            w.Max().Should().BeGreaterThan((float)(0.9 * bound), $"layer {layer} weights reach the upper bound");
            w.Min().Should().BeLessThan((float)(-0.9 * bound), $"layer {layer} weights reach the lower bound");

            // U(−B, B) has mean 0 and standard deviation B/√3.
            var mean = w.Average(v => (double)v);
            var std = Math.Sqrt(w.Average(v => (v - mean) * (v - mean)));
            mean.Should().BeApproximately(0, 0.1 * bound);
            std.Should().BeApproximately(bound / Math.Sqrt(3), 0.1 * bound / Math.Sqrt(3));
        }

        // 50 biases of layer 0: P(all |b| < 0.8·bound) = 0.8^50 ≈ 1e-5.
        TensorAssert.Values(model.Initial.Biases[0]).Max(v => Math.Abs(v)).Should().BeGreaterThan((float)(0.8 * 0.1));
    }

    [Fact]
    public void A_created_model_is_untrained_until_MarkTrained()
    {
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [4, 3, 2] });
        using var x = ModelFixtures.Normal(2, 4, 1);

        model.IsTrained.Should().BeFalse();
        model.Invoking(m => m.Trained).Should().Throw<InvalidOperationException>().WithMessage("*MarkTrained*");
        model.Invoking(m => m.Logits(x)).Should().Throw<InvalidOperationException>();
        model.Invoking(m => m.Predict(x)).Should().Throw<InvalidOperationException>();

        model.MarkTrained();

        model.IsTrained.Should().BeTrue();
        model.Trained.BitwiseEquals(model.Initial).Should().BeTrue("nothing was trained between creation and MarkTrained");
        model.Trained.Should().NotBeSameAs(model.Initial);
    }

    [Fact]
    public void MarkTrained_captures_a_copy_so_later_changes_to_the_module_do_not_change_predictions()
    {
        using var model = ModelFixtures.Perturbed([5, 4, 3], 11);
        using var x = ModelFixtures.Normal(6, 5, 12);
        using var before = model.Logits(x);

        using (no_grad())
        {
            foreach (var p in model.Module.parameters())
            {
                p.add_(1.0);
            }
        }

        using var unchanged = model.Logits(x);
        TensorAssert.Identical(unchanged, before);

        model.MarkTrained();
        using var after = model.Logits(x);
        using (no_grad())
        using (var live = model.Module.forward(x))
        {
            TensorAssert.Close(after, live, 1e-6);
            TensorAssert.Values(after).Should().NotEqual(TensorAssert.Values(before), "θ was captured again after the change");
        }
    }

    // ---------------------------------------------------------------- forward on a hand-set net

    // TinyNets.ThreeTwoTwo, trained θ: W = [[1, 2, 0], [0, 1, -1]], b = [0, -1], then ReLU, then the identity.
    //   [1, 2, 0]:  h = [1 + 4 + 0, 0 + 2 - 0 - 1] = [5, 1]   -> logits [5, 1]
    //   [0, 1, 1]:  h = [0 + 2 + 0, 0 + 1 - 1 - 1] = [2, -1]  -> logits [2, 0]
    //   [0, 0, -3]: h = [0, 0 + 0 + 3 - 1] = [0, 2]           -> logits [0, 2]
    private static Tensor HandInputs() => tensor(new float[] { 1, 2, 0, 0, 1, 1, 0, 0, -3 }, [3, 3]);

    [Fact]
    public void Logits_of_the_hand_set_network_match_the_hand_computation()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = HandInputs();
        using var copy = x.clone();

        using var logits = model.Logits(x);

        logits.shape.Should().Equal(3, 2);
        logits.dtype.Should().Be(ScalarType.Float32);
        TensorAssert.Close(logits, [5, 1, 2, 0, 0, 2], 1e-6);
        TensorAssert.Identical(x, copy);
    }

    [Fact]
    public void Double_inputs_give_float_logits_with_the_same_values()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new double[] { 1, 2, 0 }, [1, 3]);
        using var logits = model.Logits(x);
        logits.dtype.Should().Be(ScalarType.Float32);
        TensorAssert.Close(logits, [5, 1], 1e-6);
    }

    [Fact]
    public void Probabilities_are_the_softmax_of_the_logits_and_sum_to_one()
    {
        // Two classes: softmax = [σ(l0 − l1), σ(l1 − l0)]. σ(4) = 0.98201379, σ(2) = 0.88079708.
        using var model = TinyNets.ThreeTwoTwo();
        using var x = HandInputs();

        using var p = model.Probabilities(x);

        p.shape.Should().Equal(3, 2);
        TensorAssert.Close(p, [0.98201379f, 0.01798621f, 0.88079708f, 0.11920292f, 0.11920292f, 0.88079708f], 1e-6);
        using var sums = p.sum(1);
        TensorAssert.Close(sums, [1, 1, 1], 1e-6);
    }

    [Fact]
    public void Predict_returns_the_argmax_class_and_Accuracy_the_fraction_of_matches()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = HandInputs();
        using var predicted = model.Predict(x);
        using var labels = tensor(new long[] { 0, 1, 1 });
        using var allRight = tensor(new long[] { 0, 0, 1 });
        using var allWrong = tensor(new long[] { 1, 1, 0 });

        predicted.shape.Should().Equal(3);
        predicted.dtype.Should().Be(ScalarType.Int64);
        predicted.data<long>().ToArray().Should().Equal(0, 0, 1);
        model.Accuracy(x, labels).Should().BeApproximately(2.0 / 3.0, 1e-12);
        model.Accuracy(x, allRight).Should().Be(1.0);
        model.Accuracy(x, allWrong).Should().Be(0.0);
    }

    [Fact]
    public void Accuracy_accepts_int32_labels()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = HandInputs();
        using var labels = tensor(new int[] { 0, 1, 1 });
        model.Accuracy(x, labels).Should().BeApproximately(2.0 / 3.0, 1e-12);
    }

    [Fact]
    public void Forward_methods_reject_bad_inputs_and_labels()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var wide = zeros(2, 4);
        using var flat = zeros(3);
        using var nan = tensor(new float[] { 1, float.NaN, 0 }, [1, 3]);
        using var x = HandInputs();
        using var shortLabels = tensor(new long[] { 0, 1 });
        using var badLabels = tensor(new long[] { 0, 1, 2 });
        using var floatLabels = tensor(new float[] { 0, 1, 1 });

        model.Invoking(m => m.Logits(wide)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "inputs").WithMessage("*3 features*");
        model.Invoking(m => m.Logits(flat)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "inputs");
        model.Invoking(m => m.Logits(nan)).Should().Throw<ArgumentException>().WithMessage("*finite*row 0, feature 1*");
        model.Invoking(m => m.Accuracy(x, shortLabels)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "labels");
        model.Invoking(m => m.Accuracy(x, floatLabels)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "labels");
        model.Invoking(m => m.Accuracy(x, badLabels)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "labels").WithMessage("*[0, 2)*2*");
    }

    // ---------------------------------------------------------------- activations

    // A 1-2-2 net: W¹ = [[1], [-1]], b¹ = 0, W² = I, b² = 0. For x = [2]: h = [2, -2], logits = [a(2), a(-2)].
    //   ReLU:              [2, 0]
    //   GELU (exact, erf): 2·Φ(2) = 1.95449974, -2·Φ(-2) = -0.04550026 (the tanh approximation gives -0.04540230)
    //   Tanh:              [0.96402758, -0.96402758]
    //   Sigmoid:           [0.88079708, 0.11920292]
    //   LeakyReLU(0.2):    [2, -0.4]
    [Theory]
    [InlineData(Activation.ReLU, 2.0, 0.0)]
    [InlineData(Activation.GELU, 1.95449974, -0.04550026)]
    [InlineData(Activation.Tanh, 0.96402758, -0.96402758)]
    [InlineData(Activation.Sigmoid, 0.88079708, 0.11920292)]
    [InlineData(Activation.LeakyReLU, 2.0, -0.4)]
    public void Each_activation_matches_its_hand_computed_value_in_the_snapshot_and_the_live_module(Activation activation, double l0, double l1)
    {
        using var model = OneTwoTwo(activation, 0.2);
        using var x = tensor(new float[] { 2 }, [1, 1]);

        using var logits = model.Logits(x);
        TensorAssert.Close(logits, [(float)l0, (float)l1], 1e-6);

        using (no_grad())
        using (var live = model.Module.forward(x))
        {
            TensorAssert.Close(live, [(float)l0, (float)l1], 1e-6);
        }
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.GELU)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.LeakyReLU)]
    public void The_snapshot_forward_equals_the_live_module_forward_for_every_activation(Activation activation)
    {
        // Two hidden layers, so the activation is applied twice; slope 0.25 so a wrong slope shows.
        using var model = ModelFixtures.Perturbed([6, 9, 7, 3], 21, activation, slope: 0.25, noise: 0.3);
        using var x = ModelFixtures.Normal(16, 6, 22).mul_(3);

        using var logits = model.Logits(x);
        using (no_grad())
        using (var live = model.Module.forward(x))
        {
            logits.shape.Should().Equal(16, 3);
            TensorAssert.Close(logits, live, 1e-6);
        }

        model.Activation.Should().Be(activation);
        model.LeakyReLUSlope.Should().Be(0.25);
        model.Trained.Activation.Should().Be(activation);
        model.Trained.LeakyReLUSlope.Should().Be(0.25);
    }

    // ---------------------------------------------------------------- options

    [Theory]
    [InlineData("null sizes", "LayerSizes")]
    [InlineData("no sizes", "LayerSizes")]
    [InlineData("one size", "LayerSizes")]
    [InlineData("zero hidden", "LayerSizes")]
    [InlineData("negative input", "LayerSizes")]
    [InlineData("one class", "LayerSizes")]
    [InlineData("negative slope", "LeakyReLUSlope")]
    [InlineData("NaN slope", "LeakyReLUSlope")]
    [InlineData("infinite slope", "LeakyReLUSlope")]
    [InlineData("unknown activation", "Activation")]
    public void Bad_options_throw_ArgumentOutOfRangeException_naming_the_option(string bad, string option)
    {
        var options = bad switch
        {
            "null sizes" => new FcnnOptions { LayerSizes = null! },
            "no sizes" => new FcnnOptions { LayerSizes = [] },
            "one size" => new FcnnOptions { LayerSizes = [784] },
            "zero hidden" => new FcnnOptions { LayerSizes = [10, 0, 2] },
            "negative input" => new FcnnOptions { LayerSizes = [-1, 5, 2] },
            "one class" => new FcnnOptions { LayerSizes = [10, 5, 1] },
            "negative slope" => new FcnnOptions { LeakyReLUSlope = -0.1 },
            "NaN slope" => new FcnnOptions { LeakyReLUSlope = double.NaN },
            "infinite slope" => new FcnnOptions { LeakyReLUSlope = double.PositiveInfinity },
            "unknown activation" => new FcnnOptions { Activation = (Activation)99 },
            _ => throw new ArgumentException(bad),
        };

        options.Invoking(o => o.Validate()).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == option);
        FluentActions.Invoking(() => Fcnn.Create(options)).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == option);
    }

    [Fact]
    public void Boundary_options_are_accepted()
    {
        new FcnnOptions().Validate();
        new FcnnOptions { LayerSizes = [1, 2], LeakyReLUSlope = 0 }.Validate();
        using var smallest = Fcnn.Create(new FcnnOptions { LayerSizes = [1, 2] });
        smallest.LayerSizes.Should().Equal(1, 2);
    }

    [Fact]
    public void Create_copies_the_layer_sizes()
    {
        var sizes = new List<int> { 3, 4, 2 };
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = sizes });
        sizes[1] = 100;
        model.LayerSizes.Should().Equal(3, 4, 2);
    }

    // ---------------------------------------------------------------- lifetime

    [Fact]
    public void A_disposed_model_throws_ObjectDisposedException_and_can_be_disposed_twice()
    {
        var model = TinyNets.ThreeTwoTwo();
        using var x = HandInputs();
        model.Dispose();
        model.Dispose();

        model.Invoking(m => m.Module).Should().Throw<ObjectDisposedException>();
        model.Invoking(m => m.Logits(x)).Should().Throw<ObjectDisposedException>();
        model.Invoking(m => m.MarkTrained()).Should().Throw<ObjectDisposedException>();
        model.Invoking(m => m.MoveTo(CPU)).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void MoveTo_the_current_device_keeps_the_model_working()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = HandInputs();
        model.MoveTo(CPU).Should().BeSameAs(model);
        using var logits = model.Logits(x);
        TensorAssert.Close(logits, [5, 1, 2, 0, 0, 2], 1e-6);
    }

    [Fact]
    public void Repeated_forward_calls_leak_no_tensors()
    {
        using var model = ModelFixtures.Perturbed([8, 6, 3], 31);
        using var x = ModelFixtures.Normal(5, 8, 32);
        using var labels = tensor(new long[] { 0, 1, 2, 0, 1 });
        model.Logits(x).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 5; i++)
        {
            model.Logits(x).Dispose();
            model.Probabilities(x).Dispose();
            model.Predict(x).Dispose();
            _ = model.Accuracy(x, labels);
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void MarkTrained_and_Dispose_leak_no_tensors()
    {
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [8, 6, 3] });
            model.MarkTrained();
            model.MarkTrained();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    private static Fcnn OneTwoTwo(Activation activation, double slope)
    {
        using var scope = NewDisposeScope();
        var w1 = tensor(new float[] { 1, -1 }, [2, 1]);
        var b1 = zeros(2);
        var w2 = eye(2, dtype: float32);
        var b2 = zeros(2);
        var initial = FcnnSnapshot.Capture([w1, w2], [b1, b2], activation, slope);
        var trained = FcnnSnapshot.Capture([w1, w2], [b1, b2], activation, slope);
        return Fcnn.FromSnapshots(initial, trained);
    }

    [Fact]
    public void CopyWeight_returns_a_copy_of_either_snapshot()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var trained = model.CopyWeight(0);
        using var initial = model.CopyWeight(0, initial: true);
        TensorAssert.Values(trained).Should().Equal(1f, 2f, 0f, 0f, 1f, -1f);
        TensorAssert.Values(initial).Should().Equal(0f, 1f, 1f, 1f, 0f, 0f);
        trained.add_(100);
        using var again = model.CopyWeight(0);
        TensorAssert.Values(again).Should().Equal(1f, 2f, 0f, 0f, 1f, -1f);
        var bad = () => model.CopyWeight(2);
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }
}
