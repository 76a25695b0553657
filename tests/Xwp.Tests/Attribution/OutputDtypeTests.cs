using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.IO;
using Xwp.Tests.Cli;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// A model whose forward returns integers (int_output.pt: Linear 6→3, logits × 100 rounded to int64;
/// make_int_output_fixture.py) is refused by every method and metric at its first forward pass, with one message
/// that names the model (its file), the dtype, the shape and what the model must return.
/// </summary>
public class OutputDtypeTests
{
    private const string Refusal =
        "The TorchScript model '*int_output.pt' returned int64 outputs of shape [*, 3] for * input row(s); attribution methods and metrics measure how the outputs change, " +
        "so the forward function must return floating-point class scores [N, C]: float logits or probabilities*";

    public static TheoryData<string> MethodNames => new()
    {
        "occlusion", "feature-ablation", "kernel-shap", "shapley-value-sampling", "rise", "saliency", "integrated-gradients",
    };

    private static AttributionMethod Make(string name) => name switch
    {
        "occlusion" => Attributions.Occlusion(new OcclusionOptions { ImageShape = (2, 3), Window = (1, 1), Stride = (1, 1) }),
        "feature-ablation" => Attributions.FeatureAblation(),
        "kernel-shap" => Attributions.KernelShap(new KernelShapOptions { Samples = 16 }),
        "shapley-value-sampling" => Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 2 }),
        "rise" => Attributions.Rise(new RiseOptions { MaskCount = 8, GridSize = 2, ImageShape = (2, 3) }),
        "saliency" => Attributions.Saliency(),
        "integrated-gradients" => Attributions.IntegratedGradients(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void The_refusal_names_the_file_the_dtype_the_shape_and_the_rows_of_the_pass()
    {
        // The fixture's outputs really are integers: 4 rows → int64 [4, 3] (what used to be converted to float silently).
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("int_output.pt"));
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        using var four = x.narrow(0, 0, 4);
        using (var raw = model.Forward(four))
        {
            raw.dtype.Should().Be(ScalarType.Int64);
            raw.shape.Should().Equal(4, 3);
        }

        var act = () => ModelOutputs.Evaluate(model, four, OutputSpace.Probabilities);
        act.Should().Throw<InvalidOperationException>().WithMessage(
            $"The TorchScript model '{TorchScriptCommandTests.Fixture("int_output.pt")}' returned int64 outputs of shape [4, 3] for 4 input row(s); *(not class indices, counts or integer-scaled scores; e.g. return logits.float()).");
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void Every_method_refuses_integer_outputs_with_one_message_for_given_and_predicted_targets(string name)
    {
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("int_output.pt"));
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        using var four = x.narrow(0, 0, 4);
        var given = () => model.Explain(four).For(0, 1, 2, 0).Using(Make(name)).Compute();
        given.Should().Throw<InvalidOperationException>().WithMessage(Refusal);
        var predicted = () => model.Explain(four).Using(Make(name)).Compute();
        predicted.Should().Throw<InvalidOperationException>().WithMessage(Refusal);
        var all = () => model.Explain(four).ForAllClasses().Using(Make(name)).Compute();
        all.Should().Throw<InvalidOperationException>().WithMessage(Refusal);
    }

    [Fact]
    public void Xwp_and_its_complement_refuse_integer_outputs_of_a_torchsharp_module()
    {
        // Linear 6→3 then the same integer scaling as the fixture: XWP's rank-1 and literal paths see the outputs through the rest.
        using var scope = NewDisposeScope();
        manual_seed(3);
        var module = nn.Sequential(("0", nn.Linear(6, 3)), ("1", new ToInt64()));
        using var initial = FirstLayerSnapshot.FromWeight("0", zeros(3, 6));
        var model = XwpModel.FromModule(module, initial);
        var x = rand(4, 6, generator: new Generator(4));
        foreach (var method in new[]
        {
            Attributions.Xwp(), Attributions.Xwp(new XwpOptions { Algorithm = XwpAlgorithm.RowSwap }), Attributions.XwpComplement(),
        })
        {
            var act = () => model.Explain(x).For(0, 1, 2, 0).Using(method).Compute();
            act.Should().Throw<InvalidOperationException>().WithMessage("The module (Sequential) returned int64 outputs of shape [*, 3] for * input row(s); *e.g. return logits.float()).");
        }
    }

    [Fact]
    public void Every_metric_and_an_evaluation_refuse_integer_outputs()
    {
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("int_output.pt"));
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        using var four = x.narrow(0, 0, 4);
        using var maps = rand(4, 6, generator: new Generator(5));
        using var targets = tensor(new long[] { 0, 1, 2, 0 });
        foreach (var metric in new[] { Metrics.DeletionAuc(), Metrics.InsertionAuc(), Metrics.AverageDrop(), Metrics.IncreaseInConfidence() })
        {
            var act = () => metric.Score(model, four, targets, maps);
            act.Should().Throw<InvalidOperationException>().WithMessage(Refusal, metric.Name);
        }

        var evaluation = () => model.Evaluate(four).WithMaps("given", maps).Run();
        evaluation.Should().Throw<InvalidOperationException>().WithMessage(Refusal);
        var withTargets = () => model.Evaluate(four, targets).With(Attributions.FeatureAblation()).Run();
        withTargets.Should().Throw<InvalidOperationException>().WithMessage(Refusal);
    }

    private sealed class ToInt64() : nn.Module<Tensor, Tensor>("to_int64")
    {
        public override Tensor forward(Tensor input) => input.mul(100).round().to(ScalarType.Int64);
    }
}
