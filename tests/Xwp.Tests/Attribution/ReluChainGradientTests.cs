using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// The gradient of ReLU chains without autograd (<see cref="ReluChainGradient"/>): hand-computed values on a 2-2-2
/// network, and the generic autograd path's values bit for bit on an FCNN and on an nn.Sequential of the same weights.
/// </summary>
public class ReluChainGradientTests
{
    public static TheoryData<string, OutputSpace> Methods => new()
    {
        { "saliency", OutputSpace.Probabilities },
        { "saliency", OutputSpace.Logits },
        { "saliency-signed", OutputSpace.Probabilities },
        { "saliency-signed", OutputSpace.Logits },
        { "inputxgradient", OutputSpace.Probabilities },
        { "inputxgradient", OutputSpace.Logits },
        { "ig", OutputSpace.Probabilities },
        { "ig", OutputSpace.Logits },
    };

    private static AttributionMethod Make(string name, OutputSpace space) => name switch
    {
        "saliency" => Attributions.Saliency(new SaliencyOptions { OutputSpace = space }),
        "saliency-signed" => Attributions.Saliency(new SaliencyOptions { OutputSpace = space, Absolute = false }),
        "inputxgradient" => Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = space }),
        "ig" => Attributions.IntegratedGradients(new IntegratedGradientsOptions { OutputSpace = space, Steps = 8 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    // W¹ = [[1, 2], [−1, 1]], b¹ = [0, ½]; W² = [[1, −1], [2, 3]], b² = 0; x = [3, −1].
    //   z¹ = [3 − 2, −3 − 1 + ½] = [1, −3.5] → a¹ = [1, 0] (unit 1 is off: its gradient is masked);
    //   logits = [1·1 − 1·0, 2·1 + 3·0] = [1, 2]: predicted class 1.
    // Logits, target t: ∂logit_t/∂x = (W²_t ⊙ [1, 0]) · W¹.
    //   t = 0: [1, 0] · W¹ = [1, 2];  t = 1: [2, 0] · W¹ = [2, 4].  Input×Gradient, t = 1: [2·3, 4·(−1)] = [6, −4].
    // Probabilities, t = 1: p = softmax([1, 2]) = [1, e] / (1 + e) = [0.268941, 0.731059];
    //   ∂p₁/∂z = p ⊙ (e₁ − p₁) = [−p₀p₁, p₁p₀] = [−0.196612, 0.196612] (p₀p₁ = e / (1 + e)² = 0.196612);
    //   · W² = 0.196612 · ([2, 3] − [1, −1]) = 0.196612 · [1, 4]; masked [1, 0] → [0.196612, 0];
    //   · W¹ = 0.196612 · [1, 2] = [0.196612, 0.393224].
    [Fact]
    public void Matches_the_hand_computation_on_a_two_two_two_network()
    {
        using var model = TwoTwoTwo();
        using var x = tensor(new float[] { 3, -1 }, [1, 2]);
        ReluChainGradient.Of(model, x).Should().NotBeNull("the hand computation must test the path without autograd");

        var logits = new SaliencyOptions { OutputSpace = OutputSpace.Logits, Absolute = false };
        using var t0 = model.Explain(x).For(0).Using(Attributions.Saliency(logits)).Compute();
        TensorAssert.Close(t0, [1, 2], 1e-6);
        using var t1 = model.Explain(x).For(1).Using(Attributions.Saliency(logits)).Compute();
        TensorAssert.Close(t1, [2, 4], 1e-6);
        using var ixg = model.Explain(x).For(1).Using(Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(ixg, [6, -4], 1e-6);

        using var explanation = model.Explain(x).Using(Attributions.Saliency()).ComputeExplanation();
        TensorAssert.Identical(explanation.Targets, tensor(new long[] { 1 }));
        TensorAssert.Close(explanation.Map, [0.196612f, 0.393224f], 1e-6);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void On_an_fcnn_and_its_sequential_it_equals_the_autograd_path_bit_for_bit(string name, OutputSpace space)
    {
        using var fcnn = TinyNets.RandomTrained([30, 20, 12, 5], 301, noise: 0.3);
        var sequential = ExplainableModel.FromModule(fcnn.Module);
        // Forward functions are opaque: they take the generic autograd path.
        var fcnnFunction = ExplainableModel.FromFunction(fcnn.Forward);
        var sequentialFunction = ExplainableModel.FromFunction(fcnn.Module.call);
        using var x = TinyNets.SparseInputs(7, 30, 302);
        ReluChainGradient.Of(fcnn, x).Should().NotBeNull();
        ReluChainGradient.Of(sequential, x).Should().NotBeNull();
        ReluChainGradient.Of(fcnnFunction, x).Should().BeNull();
        var method = Make(name, space);

        using var targets = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1 });
        using var given = fcnn.Explain(x).For(targets).Using(method).Compute();
        using var givenReference = fcnnFunction.Explain(x).For(targets).Using(method).Compute();
        // Integrated Gradients on an Fcnn takes its own path (gradients in the first layer's pre-activation space), which
        // agrees with the input-space path to float rounding only; its chain gradients are compared on the Sequential.
        var fcnnPath = name != "ig";
        if (fcnnPath)
        {
            TensorAssert.Identical(given, givenReference);
        }

        using var givenSequential = sequential.Explain(x).For(targets).Using(method).Compute();
        using var givenSequentialReference = sequentialFunction.Explain(x).For(targets).Using(method).Compute();
        TensorAssert.Identical(givenSequential, givenSequentialReference);

        // Predicted classes: the Fcnn takes them from the gradient's own forward pass, the others from a prediction pass.
        using var predicted = fcnn.Explain(x).Using(method).ComputeExplanation();
        using var predictedReference = fcnnFunction.Explain(x).Using(method).ComputeExplanation();
        TensorAssert.Identical(predicted.Targets, predictedReference.Targets);
        if (fcnnPath)
        {
            TensorAssert.Identical(predicted.Map, predictedReference.Map);
        }

        using var predictedSequential = sequential.Explain(x).Using(method).ComputeExplanation();
        TensorAssert.Identical(predictedSequential.Targets, predictedReference.Targets);
        TensorAssert.Identical(predictedSequential.Map, predictedReference.Map);

        using var nonzero = givenSequential.ne(0).sum();
        nonzero.item<long>().Should().BeGreaterThan(x.shape[1], "a map of zeros would make the comparisons vacuous");
    }

    [Fact]
    public void Chains_it_cannot_follow_take_the_autograd_path()
    {
        using var x = TinyNets.SparseInputs(2, 10, 303);
        using var leaky = TinyNets.RandomTrained([10, 6, 3], 304, activation: Activation.LeakyReLU);
        ReluChainGradient.Of(leaky, x).Should().BeNull("LeakyReLU passes gradient where ReLU does not");

        using var tanh = nn.Sequential(("0", nn.Linear(10, 6)), ("1", nn.Tanh()), ("2", nn.Linear(6, 3)));
        ReluChainGradient.Of(ExplainableModel.FromModule(tanh), x).Should().BeNull();
        using var probabilities = nn.Sequential(("0", nn.Linear(10, 3)), ("1", nn.Softmax(1)));
        ReluChainGradient.Of(ExplainableModel.FromModule(probabilities, ModelOutput.Probabilities), x).Should().BeNull();
        using var single = nn.Sequential(("0", nn.Linear(10, 3)));
        ReluChainGradient.Of(ExplainableModel.FromModule(single), x).Should().NotBeNull("one Linear layer is a chain too");
        using var image = x.view(2, 1, 10);
        ReluChainGradient.Of(ExplainableModel.FromModule(single), image).Should().BeNull("inputs must be rows [N, D]");
    }

    [Fact]
    public void A_single_linear_layer_gives_its_weight_row()
    {
        // logits = x Wᵀ + b, so ∂logit_t/∂x = W_t for every x: W = [[1, −2, 3], [0, 4, −5]].
        using var linear = nn.Linear(3, 2);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(new float[] { 1, -2, 3, 0, 4, -5 }, [2, 3]));
            linear.bias!.fill_(0.5);
        }

        using var chain = nn.Sequential(("0", linear));
        var model = ExplainableModel.FromModule(chain);
        using var x = tensor(new float[] { 1, 1, 1, 2, 0, -1 }, [2, 3]);
        using var map = model.Explain(x).For(1, 0).Using(Attributions.Saliency(new SaliencyOptions { OutputSpace = OutputSpace.Logits, Absolute = false })).Compute();
        TensorAssert.Close(map, [0, 4, -5, 1, -2, 3], 0);
    }

    private static Fcnn TwoTwoTwo()
    {
        using var scope = NewDisposeScope();
        var w1 = tensor(new float[] { 1, 2, -1, 1 }, [2, 2]);
        var b1 = tensor(new float[] { 0, 0.5f });
        var w2 = tensor(new float[] { 1, -1, 2, 3 }, [2, 2]);
        var b2 = zeros(2);
        var snapshot = FcnnSnapshot.Capture([w1, w2], [b1, b2], Activation.ReLU, 0.01);
        var initial = FcnnSnapshot.Capture([w1, w2], [b1, b2], Activation.ReLU, 0.01);
        return Fcnn.FromSnapshots(initial, snapshot);
    }
}
