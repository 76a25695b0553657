using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>`xwp explain` with Occlusion, feature ablation, RISE and the reference maps.</summary>
public sealed class ExplainPerturbationMethodsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Occlusion_through_explain_writes_the_same_map_as_the_api()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 151);
        var (modelPath, inputsPath, x) = Save(model, 152);
        using (x)
        {
            var outPath = Path.Combine(_dir, "A.npy");
            new ExplainCommand().Run(new Arguments(
                ["--model", modelPath, "--inputs", inputsPath, "--method", "occlusion", "--image-shape", "3,4", "--window", "2,2",
                 "--stride", "1,1", "--baseline", "0.5", "--output-space", "logits", "--out", outPath]))
                .Should().Be(0);

            using var written = NpyFile.Read(outPath);
            using var expected = model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions
            {
                ImageShape = (3, 4), Window = (2, 2), Stride = (1, 1), Baseline = 0.5, OutputSpace = OutputSpace.Logits,
            })).Compute();
            TensorAssert.Close(written, expected, 1e-6);
            using var scale = expected.abs().max();
            scale.item<float>().Should().BeGreaterThan(0f);
        }
    }

    [Theory]
    [InlineData("occlusion", "--window", "2,2")]
    [InlineData("occlusion", "--window", "1,1")]
    [InlineData("ig", "--steps", "8")]
    public void An_integer_baseline_file_is_read_as_float32_by_every_method(string method, string flag, string value)
    {
        // An int64 --baseline file worked for ig and kernelshap but was refused by occlusion and feature ablation
        // ("The baseline must be a floating-point tensor, got Int64."). Ids 0…11 as int64 equal the float32 baseline 0…11.
        using var model = TinyNets.RandomTrained([12, 6, 3], 171);
        var (modelPath, inputsPath, x) = Save(model, 172);
        using (x)
        using (var ints = arange(12, dtype: int64))
        using (var floats = arange(12, dtype: float32))
        {
            var intPath = Path.Combine(_dir, "Bi.npy");
            var floatPath = Path.Combine(_dir, "Bf.npy");
            NpyFile.Write(intPath, ints);
            NpyFile.Write(floatPath, floats);
            string[] common = ["--model", modelPath, "--inputs", inputsPath, "--method", method, flag, value];
            if (method == "occlusion" && value == "2,2")
            {
                common = [.. common, "--image-shape", "3,4", "--stride", "1,1"];
            }

            new ExplainCommand().Run(new Arguments([.. common, "--baseline", intPath, "--out", Path.Combine(_dir, "Ai.npy")])).Should().Be(0);
            new ExplainCommand().Run(new Arguments([.. common, "--baseline", floatPath, "--out", Path.Combine(_dir, "Af.npy")])).Should().Be(0);

            using var fromInts = NpyFile.Read(Path.Combine(_dir, "Ai.npy"));
            using var fromFloats = NpyFile.Read(Path.Combine(_dir, "Af.npy"));
            TensorAssert.Identical(fromInts, fromFloats);
            using var scale = fromFloats.abs().max();
            scale.item<float>().Should().BeGreaterThan(0f);
        }
    }

    [Fact]
    public void Rise_reads_its_masks_from_a_npy_file()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 161);
        var (modelPath, inputsPath, x) = Save(model, 162);
        using (x)
        using (var generator = new Generator(163))
        using (var masks = rand([20, 3, 4], generator: generator))
        {
            var masksPath = Path.Combine(_dir, "M.npy");
            NpyFile.Write(masksPath, masks);
            var outPath = Path.Combine(_dir, "A.npy");
            new ExplainCommand().Run(new Arguments(
                ["--model", modelPath, "--inputs", inputsPath, "--method", "rise", "--rise-masks", masksPath, "--probability", "0.3", "--out", outPath]))
                .Should().Be(0);

            using var written = NpyFile.Read(outPath);
            using var expected = model.Explain(x).Using(Attributions.Rise(new RiseOptions { Masks = masks, Probability = 0.3 })).Compute();
            TensorAssert.Close(written, expected, 1e-6);
        }
    }

    [Fact]
    public void A_one_pixel_window_with_a_feature_mask_is_grouped_feature_ablation()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 171);
        var (modelPath, inputsPath, x) = Save(model, 172);
        using (x)
        using (var groups = tensor(new long[] { 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3 }))
        {
            var maskPath = Path.Combine(_dir, "G.npy");
            NpyFile.Write(maskPath, groups);
            var outPath = Path.Combine(_dir, "A.npy");
            new ExplainCommand().Run(new Arguments(
                ["--model", modelPath, "--inputs", inputsPath, "--method", "occlusion", "--window", "1,1", "--feature-mask", maskPath, "--out", outPath]))
                .Should().Be(0);

            using var written = NpyFile.Read(outPath);
            using var expected = model.Explain(x).Using(Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = groups })).Compute();
            TensorAssert.Close(written, expected, 1e-6);
        }
    }

    [Theory]
    [InlineData("occlusion", "occlusion")]
    [InlineData("rise", "rise")]
    [InlineData("saliency", "saliency")]
    [InlineData("inputxgradient", "inputxgradient")]
    [InlineData("random", "random")]
    [InlineData("input-magnitude", "input-magnitude")]
    public void Every_method_is_registered(string method, string name)
    {
        ExplainMethods.Names.Should().Contain(method);
        var args = new Arguments([]);
        ExplainMethods.Create(method, OutputSpace.Logits, args).Name.Should().Be(name);
        args.RejectUnknown();
    }

    [Fact]
    public void The_random_seed_and_the_window_reach_the_methods()
    {
        using var model = TinyNets.RandomTrained([784, 10, 3], 181);
        using var x = TinyNets.SparseInputs(2, 784, 182);
        using var seeded = model.Explain(x).Using(ExplainMethods.Create("random", null, new Arguments(["--seed", "7"]))).Compute();
        using var expected = model.Explain(x).Using(Attributions.Random(new RandomOptions { Seed = 7 })).Compute();
        TensorAssert.Identical(seeded, expected);

        using var wide = model.Explain(x).Using(ExplainMethods.Create("occlusion", null, new Arguments(["--window", "7,7", "--stride", "7"]))).Compute();
        using var api = model.Explain(x).Using(Attributions.Occlusion(new OcclusionOptions { Window = (7, 7), Stride = (7, 7) })).Compute();
        TensorAssert.Close(wide, api, 1e-6);
    }

    [Theory]
    [InlineData(new[] { "--window", "4" }, "occlusion", null)]
    [InlineData(new[] { "--window", "4,x" }, "occlusion", "*--window must be two positive integers*")]
    [InlineData(new[] { "--stride", "0,2" }, "occlusion", "*--stride must be two positive integers*")]
    [InlineData(new[] { "--window", "0,4" }, "occlusion", "--window must be two positive integers*")]
    [InlineData(new[] { "--window", "2,2", "--feature-mask", "G.npy" }, "occlusion", "*--feature-mask needs --window 1,1*")]
    [InlineData(new[] { "--baseline", "black" }, "occlusion", "*--baseline must be a number or a .npy file*")]
    [InlineData(new[] { "--probability", "1.5" }, "rise", "--probability must be a number from 0 to 1, not '1.5'.")]
    [InlineData(new[] { "--probability", "0" }, "rise", "--probability: *")]
    [InlineData(new[] { "--masks", "0" }, "rise", "*--masks must be an integer ≥ 1*")]
    [InlineData(new[] { "--grid", "0" }, "rise", "*--grid must be an integer ≥ 1*")]
    public void Bad_flags_are_usage_errors_that_name_the_flag(string[] flags, string method, string? message)
    {
        var act = () => ExplainMethods.Create(method, null, new Arguments(flags));
        if (message is null)
        {
            act.Should().NotThrow("one number means a square window");
        }
        else
        {
            act.Should().Throw<UsageException>().WithMessage(message);
        }
    }

    private (string Model, string Inputs, Tensor X) Save(Fcnn model, long seed)
    {
        var modelPath = Path.Combine(_dir, "m.xwp");
        model.Save(modelPath);
        var x = TinyNets.SparseInputs(4, model.InputSize, seed);
        var inputsPath = Path.Combine(_dir, "X.npy");
        NpyFile.Write(inputsPath, x);
        return (modelPath, inputsPath, x);
    }
}
