using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// `xwp explain|evaluate --torchscript` on models scripted by PyTorch 1.13 (tests/Xwp.Tests/Fixtures/TorchScript,
/// made by make_fixtures.py there): a small CNN on [N, 1, 8, 8] and an MLP with BatchNorm1d and Dropout.
/// </summary>
public sealed class TorchScriptCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-ts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "TorchScript", name);

    [Fact]
    public void Explain_writes_maps_of_the_image_shape_equal_to_the_api()
    {
        var outPath = Path.Combine(_dir, "A.npy");
        var code = new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("cnn.pt"), "--inputs", Fixture("cnn_inputs.npy"), "--targets", Fixture("cnn_targets.npy"),
             "--method", "occlusion", "--window", "3,3", "--stride", "1,1", "--out", outPath]));
        code.Should().Be(0);

        using var written = NpyFile.Read(outPath);
        written.shape.Should().Equal(4, 1, 8, 8);
        using var model = TorchScriptModel.Load(Fixture("cnn.pt"));
        using var x = NpyFile.Read(Fixture("cnn_inputs.npy"));
        using var y = NpyFile.Read(Fixture("cnn_targets.npy"));
        using var expected = model.Explain(x).For(y).Using(Attributions.Occlusion(new OcclusionOptions { Window = (3, 3), Stride = (1, 1) })).Compute();
        TensorAssert.Close(written, expected, 1e-7);

        // Captum's Occlusion (sliding_window_shapes (1, 3, 3), strides 1) on the same model and inputs.
        using var captum = NpyFile.Read(Fixture("captum_cnn_occlusion.npy"));
        TensorAssert.Close(written, captum, 1e-5);
    }

    [Fact]
    public void Evaluate_scores_maps_of_any_shape_on_a_scripted_model()
    {
        var mapPath = Path.Combine(_dir, "A.npy");
        new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--targets", Fixture("mlp_targets.npy"), "--method", "ig", "--out", mapPath]))
            .Should().Be(0);
        using var stdout = new StringWriter();
        var code = new EvaluateCommand(stdout, TextWriter.Null).Run(new Arguments(
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--targets", Fixture("mlp_targets.npy"),
             "--attributions", mapPath, "--metrics", "deletion-auc,average-drop", "--json"]));
        code.Should().Be(0);

        using var model = TorchScriptModel.Load(Fixture("mlp.pt"));
        using var x = NpyFile.Read(Fixture("mlp_inputs.npy"));
        using var y = NpyFile.Read(Fixture("mlp_targets.npy"));
        using var maps = NpyFile.Read(mapPath);
        var expected = Metrics.DeletionAuc().Score(model, x, y, maps).Mean;
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        json.RootElement.GetProperty("deletion_auc").GetProperty("mean").GetDouble().Should().BeApproximately(expected, 1e-9);
    }

    [Fact]
    public void A_probability_model_gives_the_same_maps_as_its_logits_model()
    {
        var logitsOut = Path.Combine(_dir, "L.npy");
        var probabilitiesOut = Path.Combine(_dir, "P.npy");
        string[] common = ["--inputs", Fixture("mlp_inputs.npy"), "--targets", Fixture("mlp_targets.npy"), "--method", "saliency"];
        new ExplainCommand().Run(new Arguments(["--torchscript", Fixture("mlp.pt"), .. common, "--out", logitsOut])).Should().Be(0);
        new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("mlp_probabilities.pt"), "--model-output", "probabilities", .. common, "--out", probabilitiesOut])).Should().Be(0);
        using var a = NpyFile.Read(logitsOut);
        using var b = NpyFile.Read(probabilitiesOut);
        TensorAssert.Close(b, a, 1e-6);
    }

    [Theory]
    [InlineData("epsilon")]
    [InlineData("alpha2beta1")]
    public void Lrp_explains_a_scripted_sequential_cnn_as_the_api_does(string rule)
    {
        // make_lrp_fixtures.py: Conv (padding 1), BatchNorm2d, ReLU, MaxPool, Conv (stride 2, padding 1), LeakyReLU, AvgPool,
        // Flatten, Dropout, Linear, scripted as one nn.Sequential.
        var outPath = Path.Combine(_dir, "A.npy");
        var code = new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("lrp_script_cnn.pt"), "--inputs", Fixture("cnn_inputs.npy"), "--targets", Fixture("cnn_targets.npy"),
             "--method", "lrp", "--lrp-rule", rule, "--out", outPath]));
        code.Should().Be(0);

        using var written = NpyFile.Read(outPath);
        written.shape.Should().Equal(4, 1, 8, 8);
        using var model = TorchScriptModel.Load(Fixture("lrp_script_cnn.pt"));
        using var x = NpyFile.Read(Fixture("cnn_inputs.npy"));
        using var y = NpyFile.Read(Fixture("cnn_targets.npy"));
        var options = new LrpOptions { Rule = rule == "epsilon" ? LrpRule.Epsilon : LrpRule.Alpha2Beta1 };
        using var expected = model.Explain(x).For(y).Using(Attributions.Lrp(options)).Compute();
        TensorAssert.Close(written, expected, 1e-7);
        if (rule == "epsilon")
        {
            using var captum = NpyFile.Read(Fixture("captum_lrp_script_cnn_epsilon.npy"));
            TensorAssert.Close(written, captum, 1e-5);
        }
    }

    [Fact]
    public void Lrp_on_a_scripted_layer_without_a_rule_is_one_line_naming_the_file_and_the_layer()
    {
        var errors = new StringWriter();
        var tanh = Fixture("lrp_script_tanh.pt");
        var code = FailureReport.Run(
            new ExplainCommand(), ["--torchscript", tanh, "--inputs", Fixture("mlp_inputs.npy"), "--method", "lrp", "--out", Path.Combine(_dir, "A.npy")], errors);
        code.Should().Be(FailureReport.Failed);
        errors.ToString().TrimEnd().Should().Match(
            $"xwp explain: LRP cannot run on the TorchScript model '{tanh}': layer 1 ('1', Tanh) has no LRP rule.*Integrated Gradients*any model.");
        errors.ToString().Should().NotContain("--initial", "--initial helps XWP, not LRP").And.NotContain("Usage:").And.NotContain("   at ");
        File.Exists(Path.Combine(_dir, "A.npy")).Should().BeFalse();
    }

    [Fact]
    public void Fcnn_only_methods_and_bad_files_are_usage_or_data_errors_naming_the_problem()
    {
        var xwp = () => new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--method", "xwp", "--out", Path.Combine(_dir, "A.npy")]));
        xwp.Should().Throw<UsageException>().WithMessage("*'xwp' needs the model's first Linear layer*--initial INIT.pt*");

        // The window can only be checked against the inputs: 9×9 does not fit the 8×8 images.
        var window = () => new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("cnn.pt"), "--inputs", Fixture("cnn_inputs.npy"), "--method", "occlusion", "--window", "9,9", "--out", Path.Combine(_dir, "A.npy")]));
        window.Should().Throw<UsageException>().WithMessage("--window: *9×9 window does not fit in the 8×8 image*");

        var notScript = Path.Combine(_dir, "bad.pt");
        File.WriteAllText(notScript, "not a model");
        var bad = () => new ExplainCommand().Run(new Arguments(
            ["--torchscript", notScript, "--inputs", Fixture("mlp_inputs.npy"), "--method", "saliency", "--out", Path.Combine(_dir, "A.npy")]));
        bad.Should().Throw<InvalidDataException>().WithMessage($"*'{notScript}' is not a TorchScript module*");

        var both = () => new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("mlp.pt"), "--model", "m.xwp", "--inputs", Fixture("mlp_inputs.npy"), "--method", "saliency", "--out", Path.Combine(_dir, "A.npy")]));
        both.Should().Throw<UsageException>().WithMessage("*not several*");
    }
}
