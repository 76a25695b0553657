using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// `--feature-mask G.npy` for KernelSHAP, Shapley value sampling and feature ablation: the CLI's map equals the
/// library's with the same <see cref="FeatureMask"/>, and a mask the library would refuse is refused naming the file.
/// </summary>
public sealed class FeatureMaskOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-mask-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>A 12-feature model, 3 inputs saved to X.npy and the model to m.xwp.</summary>
    private (Fcnn Model, Tensor X) Setup()
    {
        var model = TinyNets.RandomTrained([12, 6, 3], 11);
        model.Save(P("m.xwp"));
        var x = TinyNets.SparseInputs(3, 12, 5, zeroFraction: 0.2);
        NpyFile.Write(P("X.npy"), x);
        return (model, x);
    }

    private static int Explain(params string[] args) => FailureReport.Run(new ExplainCommand(), args, TextWriter.Null);

    public static TheoryData<string, string[]> Methods => new()
    {
        { "kernelshap", ["--samples", "300", "--seed", "4"] },
        { "svs", ["--samples", "20", "--seed", "4"] },
        { "occlusion", ["--window", "1,1"] },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void The_cli_map_equals_the_library_map_with_the_same_mask(string method, string[] flags)
    {
        var (model, x) = Setup();
        using var owner = model;
        using var xs = x;
        // Ids 7, 3, 9 and -1 in a [3, 4] int32 grid (12 ids = one per feature, read row-major): not contiguous, not [D].
        using var ids = tensor(new[] { 7, 7, 3, 3, 7, 7, 3, 3, 9, 9, -1, -1 }, [3, 4], int32);
        NpyFile.Write(P("G.npy"), ids);

        var code = Explain(["--model", P("m.xwp"), "--inputs", P("X.npy"), "--method", method, "--feature-mask", P("G.npy"), "--out", P("A.npy"), .. flags]);

        code.Should().Be(0);
        var mask = FeatureMask.FromTensor(ids);
        AttributionMethod library = method switch
        {
            "kernelshap" => Attributions.KernelShap(new KernelShapOptions { FeatureMask = mask, Samples = 300, Seed = 4 }),
            "svs" => Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { FeatureMask = mask, Samples = 20, Seed = 4 }),
            _ => Attributions.FeatureAblation(new FeatureAblationOptions { FeatureMask = mask }),
        };
        using var expected = model.Explain(x).Using(library).Compute();
        using var actual = NpyFile.Read(P("A.npy"));
        actual.shape.Should().Equal(3, 12);
        TensorAssert.Close(actual, expected, 0);
        // Each group's features carry one value: features 0, 1, 4 and 5 are group 7.
        TensorAssert.Close(actual[.., 1], actual[.., 0], 0);
        TensorAssert.Close(actual[.., 5], actual[.., 0], 0);
    }

    [Fact]
    public void Evaluate_re_runs_the_method_with_the_mask()
    {
        var (model, x) = Setup();
        using var owner = model;
        using var xs = x;
        using var ids = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 });
        NpyFile.Write(P("G.npy"), ids);
        using var y = tensor(new long[] { 0, 1, 2 });
        NpyFile.Write(P("Y.npy"), y);
        Explain("--model", P("m.xwp"), "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--method", "svs", "--samples", "5", "--feature-mask", P("G.npy"), "--out", P("A.npy"))
            .Should().Be(0);
        using var stdout = new StringWriter();

        var code = new EvaluateCommand(stdout, TextWriter.Null).Run(new Arguments(
            ["--model", P("m.xwp"), "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--metrics", "max-sensitivity",
             "--sensitivity-samples", "2", "--method", "svs", "--samples", "5", "--feature-mask", P("G.npy"), "--json"]));

        code.Should().Be(0);
        using var a = NpyFile.Read(P("A.npy"));
        var method = Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions { FeatureMask = FeatureMask.FromTensor(ids), Samples = 5 });
        var expected = Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Samples = 2 }).Score(model, x, y, a).Statistics.Mean;
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        json.RootElement.GetProperty("max_sensitivity").GetProperty("mean").GetDouble().Should().BeApproximately(expected, 1e-12);
    }

    [Fact]
    public void A_float_mask_is_refused_naming_the_file_and_the_dtype()
    {
        var (model, x) = Setup();
        using var owner = model;
        using var xs = x;
        using var ids = zeros(12);
        NpyFile.Write(P("G.npy"), ids);
        var errors = new StringWriter();

        var code = FailureReport.Run(new ExplainCommand(), ["--model", P("m.xwp"), "--inputs", P("X.npy"), "--method", "kernelshap", "--feature-mask", P("G.npy"), "--out", P("A.npy")], errors);

        code.Should().Be(FailureReport.Failed);
        errors.ToString().Should().Be(
            $"xwp explain: --feature-mask '{P("G.npy")}' holds float32 values [12]; it needs integer group ids (int64, int32 or uint8, e.g. np.save(path, ids.astype(np.int64))).{Environment.NewLine}");
        File.Exists(P("A.npy")).Should().BeFalse();
    }

    [Fact]
    public void A_mask_that_does_not_fit_the_inputs_names_the_file_and_both_shapes()
    {
        var (model, x) = Setup();
        using var owner = model;
        using var xs = x;
        using var ids = tensor(new long[] { 0, 1, 2, 3, 4 });
        NpyFile.Write(P("G.npy"), ids);
        var errors = new StringWriter();

        var code = FailureReport.Run(new ExplainCommand(), ["--model", P("m.xwp"), "--inputs", P("X.npy"), "--method", "svs", "--feature-mask", P("G.npy"), "--out", P("A.npy")], errors);

        code.Should().Be(FailureReport.Failed);
        errors.ToString().Should().Be(
            $"xwp explain: --feature-mask '{P("G.npy")}' has shape [5] (5 ids); inputs [N, 12] need a mask that broadcasts to [12] or has 12 ids.{Environment.NewLine}");
    }

    [Fact]
    public void Superpixels_that_do_not_fit_the_inputs_name_superpixel_and_the_image_shape_not_feature_mask()
    {
        // --superpixel 2 on the default 28×28 view of 12-feature rows said "--feature-mask: FeatureMask has shape [28, 28] …",
        // an option the user never gave.
        var (model, x) = Setup();
        using var owner = model;
        using var xs = x;
        var errors = new StringWriter();

        var code = FailureReport.Run(new ExplainCommand(), ["--model", P("m.xwp"), "--inputs", P("X.npy"), "--method", "kernelshap", "--superpixel", "2", "--out", P("A.npy")], errors);

        code.Should().Be(FailureReport.Failed);
        errors.ToString().Should().Be(
            "xwp explain: --superpixel 2 tiles an --image-shape 28,28 image (the default), so its mask has shape [28, 28] (784 ids); " +
            $"inputs [N, 12] need a mask that broadcasts to [12] or has 12 ids. Pass the inputs' --image-shape H,W, or group the features with --feature-mask G.npy.{Environment.NewLine}");
        File.Exists(P("A.npy")).Should().BeFalse();
    }

    [Fact]
    public void A_mask_and_superpixels_together_are_a_usage_error()
    {
        var errors = new StringWriter();

        var code = FailureReport.Run(new ExplainCommand(), ["--model", "m.xwp", "--inputs", "X.npy", "--method", "kernelshap", "--feature-mask", "G.npy", "--superpixel", "2", "--out", "A.npy"], errors);

        code.Should().Be(FailureReport.Usage);
        errors.ToString().Should().StartWith("xwp explain: --feature-mask and --superpixel both choose kernelshap's players (groups of features); give one of them.");
    }
}
