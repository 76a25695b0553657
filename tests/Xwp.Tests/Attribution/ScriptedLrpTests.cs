using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.Cli;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// LRP on TorchScript Sequential chains scripted by PyTorch 1.13 (Fixtures/TorchScript/make_lrp_fixtures.py):
/// equal to LRP on the same layers built in TorchSharp, to Captum 0.7's LRP, and conserving relevance.
/// </summary>
public class ScriptedLrpTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var fixture in new[] { "cnn", "mlp" })
        {
            foreach (var rule in new[] { "epsilon", "zplus", "alpha2beta1", "alpha1beta0", "composite" })
            {
                data.Add(fixture, rule);
            }
        }

        return data;
    }

    private static LrpOptions Options(string rule) => rule switch
    {
        "epsilon" => new LrpOptions(),
        "zplus" => new LrpOptions { Rule = LrpRule.ZPlus },
        "alpha2beta1" => new LrpOptions { Rule = LrpRule.Alpha2Beta1 },
        "alpha1beta0" => new LrpOptions { Rule = LrpRule.Alpha1Beta0 },
        _ => new LrpOptions { Epsilon = 1e-6, LayerRules = new Dictionary<int, LrpRule> { [0] = LrpRule.ZPlus, [1] = LrpRule.Alpha2Beta1 } },
    };

    /// <summary>The fixture's layers written out in TorchSharp with the hyper-parameters make_lrp_fixtures.py gave them.</summary>
    private static nn.Module<Tensor, Tensor> ByHand(string fixture) => fixture == "cnn"
        ? nn.Sequential(
            ("0", nn.Conv2d(1, 3, 3, padding: 1)), ("1", nn.BatchNorm2d(3)), ("2", nn.ReLU()), ("3", nn.MaxPool2d(2)),
            ("4", nn.Conv2d(3, 4, 3, stride: 2, padding: 1)), ("5", nn.LeakyReLU(0.1)), ("6", nn.AvgPool2d(2)), ("7", nn.Flatten()),
            ("8", nn.Dropout(0.3)), ("9", nn.Linear(4, 3)))
        : nn.Sequential(
            ("0", nn.Linear(6, 8)), ("1", nn.BatchNorm1d(8, eps: 1e-3)), ("2", nn.LeakyReLU(0.1)), ("3", nn.Dropout(0.5)),
            ("4", nn.Linear(8, 5)), ("5", nn.ReLU()), ("6", nn.Identity()), ("7", nn.Linear(5, 3)));

    private static (Tensor X, Tensor Y) Inputs(string fixture) =>
        (NpyFile.Read(TorchScriptCommandTests.Fixture($"{fixture}_inputs.npy")), NpyFile.Read(TorchScriptCommandTests.Fixture($"{fixture}_targets.npy")));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_rule_equals_lrp_on_the_same_layers_built_in_torchsharp(string fixture, string rule)
    {
        using var scripted = TorchScriptModel.Load(TorchScriptCommandTests.Fixture($"lrp_script_{fixture}.pt"));
        using var module = ByHand(fixture);
        using (no_grad())
        {
            var source = scripted.Module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
                .Concat(scripted.Module.named_buffers()).ToDictionary(p => p.Item1, p => p.Item2);
            foreach (var (name, target) in module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers()))
            {
                target.copy_(source[name]);
            }
        }

        var chain = ExplainableModel.FromModule(module);
        var (x, y) = Inputs(fixture);
        using var _x = x;
        using var _y = y;
        using var fromScript = scripted.Explain(x).For(y).Using(Attributions.Lrp(Options(rule))).Compute();
        using var fromChain = chain.Explain(x).For(y).Using(Attributions.Lrp(Options(rule))).Compute();
        fromScript.shape.Should().Equal(x.shape);
        using var scale = fromChain.abs().max();
        scale.item<float>().Should().BeGreaterThan(1e-3f, "the maps are not trivially zero");
        TensorAssert.Close(fromScript, fromChain, 1e-6);
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("mlp")]
    public void The_epsilon_rule_equals_captums_lrp(string fixture)
    {
        // make_lrp_fixtures.py: Captum 0.7's LRP (ε = 1e-9) on the same PyTorch model and inputs, with ReLU, LeakyReLU,
        // Identity and Dropout passing relevance through and BatchNorm1d/2d, pooling, Conv2d and Linear on the ε-rule.
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture($"lrp_script_{fixture}.pt"));
        var (x, y) = Inputs(fixture);
        using var _x = x;
        using var _y = y;
        using var stored = NpyFile.Read(TorchScriptCommandTests.Fixture($"captum_lrp_script_{fixture}_epsilon.npy"));
        using var captum = stored.to(float32);
        using var map = model.Explain(x).For(y).Using(Attributions.Lrp()).Compute();
        map.shape.Should().Equal(captum.shape);
        using var scale = captum.abs().max();
        TensorAssert.Close(map, captum, 1e-6 * scale.item<float>());

        // One input per batch: the rebuilt chain is reused, refreshed and checked again for every batch.
        using var single = model.Explain(x).For(y).WithBatchSize(1).Using(Attributions.Lrp()).Compute();
        TensorAssert.Close(single, map, 1e-6 * scale.item<float>());
    }

    [Fact]
    public void With_zero_biases_and_centred_batchnorm_the_epsilon_rule_conserves_the_target_logit()
    {
        // Zero biases, BatchNorm running_mean and bias 0: every layer is linear without offset (BatchNorm scales each
        // channel by γ/√(σ²+eps) > 0, max pooling and ReLU/LeakyReLU pick or scale), so ε-LRP with ε → 0 gives
        // Σ_i R_i = logit_t. The parameters are changed in the loaded module; LRP copies them again at every run.
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_script_cnn.pt"));
        using (no_grad())
        {
            foreach (var (name, parameter) in model.Module.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    parameter.zero_();
                }
            }

            foreach (var (name, buffer) in model.Module.named_buffers())
            {
                if (name.EndsWith(".running_mean", StringComparison.Ordinal))
                {
                    buffer.zero_();
                }
            }
        }

        var (x, y) = Inputs("cnn");
        using var _x = x;
        using var _y = y;
        using var explanation = model.Explain(x).For(y).Using(Attributions.Lrp()).ComputeExplanation();
        using var logits = model.Forward(x).detach();
        using var target = logits.gather(1, y.unsqueeze(1)).squeeze(1);
        using var sums = explanation.Map.reshape(4, -1).sum(1);
        using var targetScale = target.abs().max();
        targetScale.item<float>().Should().BeGreaterThan(1e-3f, "the target logits are not all zero");
        TensorAssert.Close(sums, target, 1e-7);
        using var noGap = zeros(4);
        TensorAssert.Close(explanation.Diagnostics[Xwp.Attribution.Lrp.LrpAttribution.ConservationGap], noGap, 1e-7);
    }

    [Fact]
    public void A_layer_without_a_rule_and_a_model_that_is_not_a_sequential_are_refused_by_name()
    {
        using var tanh = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_script_tanh.pt"));
        using var x = ones(2, 6);
        var act = () => tanh.Explain(x).Using(Attributions.Lrp()).Compute();
        act.Should().Throw<NotSupportedException>()
            .WithMessage("*lrp_script_tanh.pt*layer 1 ('1', Tanh) has no LRP rule*Integrated Gradients*any model*");

        // A Sequential nested in the Sequential was told it "has no LRP rule", as if grouping layers were the problem's name.
        using var nested = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_script_nested.pt"));
        var inner = () => nested.Explain(x).Using(Attributions.Lrp()).Compute();
        inner.Should().Throw<NotSupportedException>()
            .WithMessage("*lrp_script_nested.pt*layer 0 ('0', Sequential) is an nn.Sequential inside the nn.Sequential; LRP reads one flat chain, " +
                         "so put its layers in the outer one (nn.Sequential(*inner, *rest)). LRP supports Linear*");

        // make_fixtures.py's SmallCnn: a custom module whose forward is code, not a Sequential.
        using var cnn = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("cnn.pt"));
        using var images = ones(2, 1, 8, 8);
        var custom = () => cnn.Explain(images).Using(Attributions.Lrp()).Compute();
        custom.Should().Throw<NotSupportedException>().WithMessage("*cnn.pt' is a SmallCnn, not an nn.Sequential*");

        using var mlp = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_script_mlp.pt"));
        using var rows = ones(2, 6);
        var rules = () => mlp.Explain(rows).Using(Attributions.Lrp(new LrpOptions { LayerRules = new Dictionary<int, LrpRule> { [3] = LrpRule.ZPlus } })).Compute();
        rules.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*3 Linear/Conv2d layers*");
    }

    [Fact]
    public void A_conv_with_reflect_padding_takes_the_epsilon_rule_and_refuses_the_sign_splitting_rules_by_name()
    {
        // make_lrp_fixtures.py: Conv 1→2 3×3 padding 1 (reflect), ReLU, MaxPool 2, Flatten, Linear 32→3; Captum 0.7's ε-LRP.
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_script_reflect.pt"));
        var (x, y) = Inputs("cnn");
        using var _x = x;
        using var _y = y;
        using var stored = NpyFile.Read(TorchScriptCommandTests.Fixture("captum_lrp_script_reflect_epsilon.npy"));
        using var captum = stored.to(float32);
        using var map = model.Explain(x).For(y).Using(Attributions.Lrp()).Compute();
        using var scale = captum.abs().max();
        scale.item<float>().Should().BeGreaterThan(1e-3f);
        TensorAssert.Close(map, captum, 1e-6 * scale.item<float>());

        // z⁺ and αβ convolve with split weights under zero padding, which is not this layer's: refused, naming the layer.
        var zplus = () => model.Explain(x).For(y).Using(Attributions.Lrp(new LrpOptions { Rule = LrpRule.ZPlus })).Compute();
        zplus.Should().Throw<NotSupportedException>().WithMessage("*layer 0 (Conv2d) pads with Reflect*ε-rule*");

        // The composite the message suggests: ε on the reflect-padded conv, z⁺ on the Linear layer.
        var composite = new LrpOptions { Rule = LrpRule.ZPlus, LayerRules = new Dictionary<int, LrpRule> { [0] = LrpRule.Epsilon } };
        using var mixed = model.Explain(x).For(y).Using(Attributions.Lrp(composite)).Compute();
        using var module = nn.Sequential(
            ("0", nn.Conv2d(1, 2, (3, 3), padding: (1, 1), padding_mode: TorchSharp.PaddingModes.Reflect)), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
            ("3", nn.Flatten()), ("4", nn.Linear(32, 3)));
        using (no_grad())
        {
            var source = model.Module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            foreach (var (name, target) in module.named_parameters())
            {
                target.copy_(source[name]);
            }
        }

        using var byHand = ExplainableModel.FromModule(module).Explain(x).For(y).Using(Attributions.Lrp(composite)).Compute();
        using var mixedScale = byHand.abs().max();
        mixedScale.item<float>().Should().BeGreaterThan(1e-3f);
        TensorAssert.Close(mixed, byHand, 1e-6);
    }

    [Fact]
    public void A_traced_chain_of_linear_layers_works_and_a_traced_conv_is_refused_with_the_way_out()
    {
        // torch.jit.trace keeps no layer constants: Linear's sizes come from its weight [out, in]; Conv2d's stride cannot be read.
        using var traced = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_traced_mlp.pt"));
        using var fc1 = nn.Linear(6, 4);
        using var fc2 = nn.Linear(4, 3);
        using var module = nn.Sequential(("0", fc1), ("1", nn.ReLU()), ("2", fc2));
        using (no_grad())
        {
            var source = traced.Module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            foreach (var (name, target) in module.named_parameters())
            {
                target.copy_(source[name]);
            }
        }

        var (x, y) = Inputs("mlp");
        using var _x = x;
        using var _y = y;
        using var fromTrace = traced.Explain(x).For(y).Using(Attributions.Lrp(new LrpOptions { Rule = LrpRule.Alpha2Beta1 })).Compute();
        using var fromChain = ExplainableModel.FromModule(module).Explain(x).For(y).Using(Attributions.Lrp(new LrpOptions { Rule = LrpRule.Alpha2Beta1 })).Compute();
        using var scale = fromChain.abs().max();
        scale.item<float>().Should().BeGreaterThan(1e-3f);
        TensorAssert.Close(fromTrace, fromChain, 1e-6);

        using var cnn = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_traced_cnn.pt"));
        using var images = ones(2, 1, 8, 8);
        var act = () => cnn.Explain(images).Using(Attributions.Lrp()).Compute();
        act.Should().Throw<NotSupportedException>().WithMessage("*layer 0 ('0', Conv2d) declares no constant*torch.jit.script(model).save(path)*");
    }

    [Fact]
    public void A_misread_constant_is_caught_by_running_the_rebuilt_layer_beside_the_scripted_one()
    {
        // The CNN's second Conv2d has stride 2: a layout that claims stride 1 rebuilds a layer whose output shape differs.
        var path = TorchScriptCommandTests.Fixture("lrp_script_cnn.pt");
        using var model = TorchScriptModel.Load(path);
        var layout = model.Layout!;
        var details = layout.Details.ToArray();
        var constants = new Dictionary<string, string>(details[4].Constants) { ["stride"] = "(1, 1)" };
        details[4] = details[4] with { Constants = constants };
        using var chain = Xwp.Models.ScriptChain.Build(path, layout with { Details = details }, model.Module);
        var (x, _) = Inputs("cnn");
        using var _x = x;
        using var eval = new Xwp.Models.EvalMode(model.Module);
        var act = () => chain.Refresh(model.Module, x);
        act.Should().Throw<NotSupportedException>().WithMessage($"*'{path}'*layer 4 ('4', Conv2d)*shape [4, 4, 4, 4] instead of [4, 4, 2, 2]*");
    }

    [Fact]
    public void The_layout_keeps_each_mangled_class_with_its_own_constants()
    {
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("lrp_script_cnn.pt"));
        var details = model.Layout!.Details;
        details.Select(d => d.Type).Should().Equal("Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "LeakyReLU", "AvgPool2d", "Flatten", "Dropout", "Linear");
        details[4].QualifiedType.Should().Contain("___torch_mangle_").And.EndWith(".Conv2d");
        details[0].Constants["stride"].Should().Be("(1, 1)");
        details[4].Constants["stride"].Should().Be("(2, 2)");
        details[4].Constants["padding"].Should().Be("(1, 1)");
        details[5].Constants["negative_slope"].Should().Be("0.10000000000000001");
    }
}
