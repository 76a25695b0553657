using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

public sealed class ExplainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Explain_from_pytorch_state_dicts_writes_the_same_map_as_the_api()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        var init = SaveStateDict(model.Initial, "init.pt");
        var trained = SaveStateDict(model.Trained, "trained.pt");
        using var x = TinyNets.SparseInputs(4, 12, 5);
        using var y = tensor(new long[] { 0, 1, 2, 1 });
        NpyFile.Write(Path.Combine(_dir, "X.npy"), x);
        NpyFile.Write(Path.Combine(_dir, "Y.npy"), y);
        var outPath = Path.Combine(_dir, "A.npy");

        var code = new ExplainCommand().Run(new Arguments(
            ["--initial", init, "--trained", trained, "--inputs", Path.Combine(_dir, "X.npy"), "--targets", Path.Combine(_dir, "Y.npy"),
             "--method", "xwpc", "--out", outPath]));

        code.Should().Be(0);
        using var written = NpyFile.Read(outPath);
        using var expected = model.Explain(x).For(y).Using(Attributions.XwpComplement()).Compute();
        TensorAssert.Close(written, expected, 1e-6);
    }

    [Fact]
    public void Explain_from_an_xwp_model_file_with_logits_and_predicted_targets()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 4);
        var path = Path.Combine(_dir, "m.xwp");
        model.Save(path);
        using var x = TinyNets.SparseInputs(3, 12, 6);
        NpyFile.Write(Path.Combine(_dir, "X.npy"), x);
        var outPath = Path.Combine(_dir, "A.npy");

        new ExplainCommand().Run(new Arguments(
            ["--model", path, "--inputs", Path.Combine(_dir, "X.npy"), "--method", "xwp", "--output-space", "logits", "--out", outPath]))
            .Should().Be(0);

        using var written = NpyFile.Read(outPath);
        using var expected = model.Explain(x).Using(Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits })).Compute();
        TensorAssert.Close(written, expected, 1e-6);
    }

    [Fact]
    public void Inputs_with_the_wrong_feature_count_are_reported_with_the_file()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 4);
        var path = Path.Combine(_dir, "m.xwp");
        model.Save(path);
        using var x = zeros(2, 13);
        var inputs = Path.Combine(_dir, "X.npy");
        NpyFile.Write(inputs, x);
        var act = () => new ExplainCommand().Run(new Arguments(["--model", path, "--inputs", inputs, "--method", "xwp", "--out", Path.Combine(_dir, "A.npy")]));
        act.Should().Throw<InvalidDataException>().WithMessage($"*{inputs}*13 features*takes 12*");
    }

    public static TheoryData<string, string[]> BaselineMethods => new()
    {
        { "kernelshap", ["--samples", "40", "--superpixel", "2", "--image-shape", "4,4", "--baseline", "0.25", "--seed", "3"] },
        { "svs", ["--samples", "5", "--superpixel", "2", "--image-shape", "4,4", "--seed", "4", "--output-space", "logits"] },
        { "ig", ["--steps", "12", "--ig-rule", "riemann-trapezoid", "--baseline", "0.5"] },
        { "lrp", ["--lrp-rule", "alpha2beta1", "--epsilon", "1e-6"] },
        { "lrp", ["--epsilon", "0.5"] },
    };

    [Theory]
    [MemberData(nameof(BaselineMethods))]
    public void Baseline_methods_write_the_same_map_as_the_api(string method, string[] flags)
    {
        using var model = TinyNets.RandomTrained([16, 8, 3], 7);
        var path = Path.Combine(_dir, "m.xwp");
        model.Save(path);
        using var x = TinyNets.SparseInputs(3, 16, 8);
        using var y = tensor(new long[] { 2, 0, 1 });
        NpyFile.Write(Path.Combine(_dir, "X.npy"), x);
        NpyFile.Write(Path.Combine(_dir, "Y.npy"), y);
        var outPath = Path.Combine(_dir, "A.npy");

        var code = new ExplainCommand().Run(new Arguments(
            new[] { "--model", path, "--inputs", Path.Combine(_dir, "X.npy"), "--targets", Path.Combine(_dir, "Y.npy"), "--method", method, "--out", outPath }
                .Concat(flags)));

        code.Should().Be(0);
        using var written = NpyFile.Read(outPath);
        using var baseline = tensor(method == "ig" ? 0.5f : 0.25f);
        var expectedMethod = (method, flags.Contains("alpha2beta1")) switch
        {
            ("kernelshap", _) => Attributions.KernelShap(new KernelShapOptions { Samples = 40, FeatureMask = FeatureMask.Superpixels(4, 4, 2), Baseline = baseline, Seed = 3 }),
            ("svs", _) => Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { Samples = 5, FeatureMask = FeatureMask.Superpixels(4, 4, 2), Seed = 4, OutputSpace = OutputSpace.Logits }),
            ("ig", _) => Attributions.IntegratedGradients(new IntegratedGradientsOptions { Steps = 12, Rule = IntegrationRule.RiemannTrapezoid, Baseline = baseline }),
            (_, true) => Attributions.Lrp(new LrpOptions { Rule = LrpRule.Alpha2Beta1, Epsilon = 1e-6 }),
            _ => Attributions.Lrp(new LrpOptions { Epsilon = 0.5 }),
        };
        using var expected = model.Explain(x).For(y).Using(expectedMethod).Compute();
        TensorAssert.Close(written, expected, 1e-6);
        using var size = expected.abs().max();
        size.item<float>().Should().BeGreaterThan(0f);
    }

    [Theory]
    [InlineData(new[] { "--method", "ig", "--ig-rule", "simpson" }, "*--ig-rule must be one of gauss-legendre*")]
    [InlineData(new[] { "--method", "lrp", "--lrp-rule", "gamma" }, "*--lrp-rule must be one of epsilon, zplus*")]
    [InlineData(new[] { "--method", "kernelshap", "--image-shape", "28,x" }, "*--image-shape must be two positive integers*")]
    [InlineData(new[] { "--method", "kernelshap", "--samples", "2" }, "*kernelshap*Samples*")]
    [InlineData(new[] { "--method", "svs", "--baseline", "no-such.npy" }, "*--baseline must be a number or an existing .npy file*")]
    [InlineData(new[] { "--method", "lrp", "--epsilon", "tiny" }, "*--epsilon must be a finite number ≥ 0, not 'tiny'*")]
    public void Baseline_method_flag_mistakes_name_the_flag(string[] flags, string message)
    {
        var act = () => new ExplainCommand().Run(new Arguments(new[] { "--model", "m", "--inputs", "x.npy", "--out", "a.npy" }.Concat(flags)));
        act.Should().Throw<UsageException>().WithMessage(message);
    }

    [Theory]
    [InlineData(new[] { "--inputs", "x.npy", "--out", "a.npy", "--method", "xwp" }, "*--initial and --trained, or --model*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--out", "a.npy", "--method", "nosuch" }, "*--method must be one of xwp, xwpc, occlusion, kernelshap, svs, rise, ig, lrp, saliency, inputxgradient, random, input-magnitude*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--out", "a.npy", "--method", "xwp", "--colour", "red" }, "*Unknown option(s): --colour*")]
    [InlineData(new[] { "--model", "m", "--out", "a.npy", "--method", "xwp" }, "*--inputs is required*")]
    public void Usage_mistakes_name_the_option(string[] args, string message)
    {
        var act = () => new ExplainCommand().Run(new Arguments(args));
        act.Should().Throw<UsageException>().WithMessage(message);
    }

    private string SaveStateDict(Xwp.Models.FcnnSnapshot snapshot, string name) => StateDicts.Save(snapshot, Path.Combine(_dir, name));
}
