using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.Cli;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>LRP on nn.Sequential chains: equal to the FCNN path, to Captum 0.7's LRP, and to a hand computation.</summary>
public class ChainLrpTests
{
    public static TheoryData<string> Rules => new() { "epsilon", "zplus", "alpha2beta1", "alpha1beta0", "composite" };

    private static LrpOptions Options(string rule) => rule switch
    {
        "epsilon" => new LrpOptions { Epsilon = 1e-6 },
        "zplus" => new LrpOptions { Rule = LrpRule.ZPlus },
        "alpha2beta1" => new LrpOptions { Rule = LrpRule.Alpha2Beta1 },
        "alpha1beta0" => new LrpOptions { Rule = LrpRule.Alpha1Beta0 },
        _ => new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [0] = LrpRule.ZPlus, [1] = LrpRule.Alpha2Beta1 } },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void On_the_sequential_of_an_fcnn_it_equals_the_fcnn_path(string rule)
    {
        using var fcnn = TinyNets.RandomTrained([20, 10, 8, 4], 191, noise: 0.3);
        var chain = ExplainableModel.FromModule(fcnn.Module);
        using var x = TinyNets.SparseInputs(4, 20, 192);
        using var targets = tensor(new long[] { 0, 1, 2, 3 });
        using var fast = fcnn.Explain(x).For(targets).Using(Attributions.Lrp(Options(rule))).Compute();
        using var generic = chain.Explain(x).For(targets).Using(Attributions.Lrp(Options(rule))).Compute();
        using var scale = fast.abs().max();
        scale.item<float>().Should().BeGreaterThan(0f);
        TensorAssert.Close(generic, fast, 1e-5 * Math.Max(1, scale.item<float>()));
    }

    [Fact]
    public void The_epsilon_rule_on_a_sequential_mlp_equals_the_fcnn_path_bit_for_bit()
    {
        // Both run the ε-rule of a Linear layer as the same explicit products (the chain recomputes z with the layer's own linear).
        using var fcnn = TinyNets.RandomTrained([20, 10, 8, 4], 193, noise: 0.3);
        var chain = ExplainableModel.FromModule(fcnn.Module);
        using var x = TinyNets.SparseInputs(6, 20, 194);
        using var targets = tensor(new long[] { 0, 1, 2, 3, 0, 1 });
        using var fast = fcnn.Explain(x).For(targets).Using(Attributions.Lrp()).ComputeExplanation();
        using var generic = chain.Explain(x).For(targets).Using(Attributions.Lrp()).ComputeExplanation();
        TensorAssert.Identical(generic.Map, fast.Map);
        TensorAssert.Identical(generic.Diagnostics["conservation_gap"], fast.Diagnostics["conservation_gap"]);
        using var nonzero = fast.Map.ne(0).sum();
        nonzero.item<long>().Should().BeGreaterThan(20);
    }

    [Fact]
    public void An_in_place_activation_after_a_linear_layer_does_not_change_the_relevance()
    {
        // The chain reuses a Linear layer's output from the forward pass as z unless a later layer may have overwritten it.
        // An in-place LeakyReLU turns z < 0 into 0.01·z in that tensor; reused, it would divide R = 0.01·z·c by 0.01·z − ε
        // instead of z − ε (100× the relevance of those units), so equality with the Fcnn path shows z was computed again.
        using var fcnn = TinyNets.RandomTrained([20, 10, 8, 4], 195, noise: 0.3, activation: Activation.LeakyReLU, slope: 0.01);
        var linears = fcnn.Module.children().OfType<TorchSharp.Modules.Linear>().ToArray();
        using var inPlace = nn.Sequential(
            ("0", linears[0]), ("1", nn.LeakyReLU(0.01, inplace: true)), ("2", linears[1]), ("3", nn.LeakyReLU(0.01, inplace: true)), ("4", linears[2]));
        var chain = ExplainableModel.FromModule(inPlace);
        using var x = TinyNets.SparseInputs(6, 20, 196);
        using var targets = tensor(new long[] { 0, 1, 2, 3, 0, 1 });
        using var fast = fcnn.Explain(x).For(targets).Using(Attributions.Lrp()).Compute();
        using var generic = chain.Explain(x).For(targets).Using(Attributions.Lrp()).Compute();
        TensorAssert.Identical(generic, fast);
        using var negative = fcnn.Trained.FirstLayer(x).lt(0).sum();
        negative.item<long>().Should().BeGreaterThan(0, "some first-layer units must be negative for the in-place activation to matter");
    }

    [Fact]
    public void The_epsilon_rule_equals_captums_lrp_on_a_cnn_with_batchnorm_pooling_and_dropout()
    {
        // make_fixtures.py: Conv 1→3 3×3, BatchNorm2d (eval, non-default statistics), ReLU, MaxPool 2, Conv 3→4 2×2,
        // ReLU, AvgPool 2, Flatten, Dropout, Linear 4→3; Captum's LRP (ε = 1e-9 everywhere) on the same inputs.
        var conv1 = nn.Conv2d(1, 3, 3);
        var bn = nn.BatchNorm2d(3);
        var conv2 = nn.Conv2d(3, 4, 2);
        var fc = nn.Linear(4, 3);
        using (no_grad())
        {
            foreach (var (target, file) in new[]
            {
                (conv1.weight!, "conv1_weight"), (conv1.bias!, "conv1_bias"), (bn.weight!, "bn_weight"), (bn.bias!, "bn_bias"),
                (bn.running_mean!, "bn_running_mean"), (bn.running_var!, "bn_running_var"),
                (conv2.weight!, "conv2_weight"), (conv2.bias!, "conv2_bias"), (fc.weight!, "fc_weight"), (fc.bias!, "fc_bias"),
            })
            {
                using var value = NpyFile.Read(TorchScriptCommandTests.Fixture($"lrp_{file}.npy"));
                target.copy_(value);
            }
        }

        using var module = nn.Sequential(
            ("conv1", conv1), ("bn", bn), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)), ("conv2", conv2), ("relu2", nn.ReLU()),
            ("pool2", nn.AvgPool2d(2)), ("flatten", nn.Flatten()), ("drop", nn.Dropout(0.3)), ("fc", fc));
        module.train();
        var model = ExplainableModel.FromModule(module);
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("cnn_inputs.npy"));
        using var y = NpyFile.Read(TorchScriptCommandTests.Fixture("cnn_targets.npy"));
        using var logits = NpyFile.Read(TorchScriptCommandTests.Fixture("lrp_logits.npy"));
        using var stored = NpyFile.Read(TorchScriptCommandTests.Fixture("captum_lrp_epsilon.npy"));
        using var captum = stored.to(float32);

        using var explanation = model.Explain(x).For(y).Using(Attributions.Lrp()).ComputeExplanation();
        explanation.Map.shape.Should().Equal(4, 1, 8, 8);
        using var scale = captum.abs().max();
        TensorAssert.Close(explanation.Map, captum, 1e-5 * Math.Max(1, scale.item<float>()));
        module.training.Should().BeTrue("the module's own mode comes back after the run");

        // The run used eval mode without touching the running statistics: in eval mode the module gives PyTorch's logits.
        module.eval();
        using (no_grad())
        {
            using var again = model.Forward(x);
            TensorAssert.Close(again, logits, 1e-5);
        }
    }

    [Fact]
    public void The_epsilon_rule_on_the_bias_free_conv_net_is_each_pixels_contribution()
    {
        // No biases and an inactive ReLU: every layer is linear without offset, so ε-LRP (ε → 0) gives
        // R_p = c_p x_p, the same as the other methods' hand values (see TinyConvNet).
        using var module = TinyConvNet.Create();
        var model = ExplainableModel.FromModule(module);
        using var x = TinyConvNet.Ramp();
        using var map = model.Explain(x).For(0).Using(Attributions.Lrp()).Compute();
        TensorAssert.Close(map, TinyConvNet.Contributions, 1e-4);
    }

    [Fact]
    public void A_layer_without_a_rule_is_named_and_models_without_a_chain_are_refused()
    {
        using var module = nn.Sequential(("fc1", nn.Linear(4, 3)), ("act", nn.Tanh()), ("fc2", nn.Linear(3, 2)));
        var model = ExplainableModel.FromModule(module);
        using var x = ones(2, 4);
        var tanh = () => model.Explain(x).Using(Attributions.Lrp()).Compute();
        tanh.Should().Throw<NotSupportedException>().WithMessage("*layer 1 (Tanh)*");

        using var linear = nn.Sequential(("fc1", nn.Linear(4, 3)), ("relu", nn.ReLU()), ("fc2", nn.Linear(3, 2)));
        var chain = ExplainableModel.FromModule(linear);
        var rules = () => chain.Explain(x).Using(Attributions.Lrp(new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [2] = LrpRule.ZPlus } })).Compute();
        rules.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("LayerRules");

        var opaque = ExplainableModel.FromFunction(t => linear.call(t));
        var act = () => opaque.Explain(x).Using(Attributions.Lrp()).Compute();
        act.Should().Throw<NotSupportedException>().WithMessage("*chain of known layers*");
    }
}
