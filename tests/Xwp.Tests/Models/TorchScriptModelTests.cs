using FluentAssertions;
using Xunit;
using Xwp.Tests.Cli;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

/// <summary>
/// Models scripted by PyTorch 1.13 (see tests/Xwp.Tests/Fixtures/TorchScript/make_fixtures.py): they load, run like
/// PyTorch, and give Captum 0.7's attributions (computed by that script on the same models and inputs).
/// </summary>
public class TorchScriptModelTests
{
    [Theory]
    [InlineData("cnn")]
    [InlineData("mlp")]
    public void Scripted_models_load_and_return_pytorchs_logits(string name)
    {
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture($"{name}.pt"));
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture($"{name}_inputs.npy"));
        using var expected = NpyFile.Read(TorchScriptCommandTests.Fixture($"{name}_logits.npy"));
        using (model.BeginExplaining())
        using (no_grad())
        {
            using var logits = model.Forward(x);
            TensorAssert.Close(logits, expected, 1e-5);
        }

        model.Output.Should().Be(ModelOutput.Logits);
        model.Module.parameters().Should().NotBeEmpty();
    }

    public static TheoryData<string, string, double> CaptumReferences => new()
    {
        { "cnn", "ig", 1e-4 },
        { "cnn", "saliency", 1e-5 },
        { "mlp", "ablation", 1e-5 },
        { "mlp", "ig", 1e-4 },
        { "mlp", "inputxgradient", 1e-5 },
    };

    [Theory]
    [MemberData(nameof(CaptumReferences))]
    public void Attributions_equal_captums_on_the_same_scripted_model(string name, string method, double tolerance)
    {
        using var model = TorchScriptModel.Load(TorchScriptCommandTests.Fixture($"{name}.pt"));
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture($"{name}_inputs.npy"));
        using var y = NpyFile.Read(TorchScriptCommandTests.Fixture($"{name}_targets.npy"));
        using var stored = NpyFile.Read(TorchScriptCommandTests.Fixture($"captum_{name}_{method}.npy"));
        using var captum = stored.to(float32);
        var attribution = method switch
        {
            "ig" => Attributions.IntegratedGradients(),
            "saliency" => Attributions.Saliency(),
            "ablation" => Attributions.FeatureAblation(),
            _ => Attributions.InputXGradient(),
        };
        using var map = model.Explain(x).For(y).Using(attribution).Compute();
        map.shape.Should().Equal(captum.shape);
        TensorAssert.Close(map, captum, tolerance);
    }

    [Fact]
    public void A_missing_file_is_reported()
    {
        var act = () => TorchScriptModel.Load("/nonexistent/model.pt");
        act.Should().Throw<FileNotFoundException>().WithMessage("*'/nonexistent/model.pt'*");
    }
}
