using System.Text.Json;
using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// What bench/peers/ relies on: `xwp bench --export` writes a model PyTorch can load and maps Xwp
/// computes from exactly that model and those inputs; `xwp bench --json` prints one JSON document with
/// every requested row; the same for `xwp bench --torchscript` on the small CNN of docs/bench/. No timing is
/// checked.
/// </summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Export_writes_state_dicts_inputs_targets_maps_and_a_manifest_that_describe_the_same_work()
    {
        var folder = Path.Combine(_dir, "export");
        var (code, _) = Bench(["--export", folder, "--peers-only", "--method-images", "3", "--threads", "1", "--seed", "4"]);
        code.Should().Be(0);

        using var loaded = Fcnn.FromPyTorch(Path.Combine(folder, "initial.pt"), Path.Combine(folder, "trained.pt"));
        using var fixture = BenchFixtures.PerturbedModel([784, 400, 100, 10], 4);
        loaded.LayerSizes.Should().Equal(784, 400, 100, 10);
        loaded.Initial.BitwiseEquals(fixture.Initial).Should().BeTrue("θ⁰ goes out bit for bit");
        loaded.Trained.BitwiseEquals(fixture.Trained).Should().BeTrue("θ goes out bit for bit");

        using var inputs = NpyFile.Read(Path.Combine(folder, "inputs.npy"));
        using var targets = NpyFile.Read(Path.Combine(folder, "targets.npy"));
        using var expectedInputs = BenchFixtures.FashionLikeInputs(3, 784, 4);
        using var expectedTargets = fixture.Predict(expectedInputs);
        inputs.shape.Should().Equal(3, 784);
        inputs.eq(expectedInputs).all().item<bool>().Should().BeTrue();
        targets.dtype.Should().Be(ScalarType.Int64);
        targets.eq(expectedTargets).all().item<bool>().Should().BeTrue();

        // The exported maps are what the exported model gives on the exported inputs.
        using var xwpMap = NpyFile.Read(Path.Combine(folder, "maps", "xwp.npy"));
        using var xwpAgain = loaded.Explain(inputs).For(targets).Using(Attributions.Xwp()).Compute();
        xwpMap.shape.Should().Equal(3, 784);
        TensorAssert.Close(xwpMap, xwpAgain, 1e-7);
        using var lrpMap = NpyFile.Read(Path.Combine(folder, "maps", "lrp.npy"));
        using var lrpAgain = loaded.Explain(inputs).For(targets).Using(Attributions.Lrp()).Compute();
        TensorAssert.Close(lrpMap, lrpAgain, 1e-7);

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, BenchExport.ManifestName)));
        var root = manifest.RootElement;
        root.GetProperty("threads").GetInt32().Should().Be(1);
        root.GetProperty("activation").GetString().Should().Be("relu");
        var methods = root.GetProperty("methods").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!);
        methods.Keys.Should().BeEquivalentTo(["xwp", "xwp-literal", "xwpc", "occlusion", "kernelshap", "svs", "ig", "lrp", "saliency", "inputxgradient"]);
        methods["kernelshap"].GetProperty("map").ValueKind.Should().Be(JsonValueKind.Null, "a sampled map cannot be compared value by value");
        methods["occlusion"].GetProperty("map").GetString().Should().Be("maps/occlusion.npy");
        methods["occlusion"].GetProperty("map_images").GetInt32().Should().Be(3);
        File.Exists(Path.Combine(folder, "maps", "occlusion.npy")).Should().BeTrue();

        var occlusion = methods["occlusion"].GetProperty("parameters");
        occlusion.GetProperty("window").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(4, 4);
        occlusion.GetProperty("stride").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(2, 2);
        methods["ig"].GetProperty("parameters").GetProperty("method").GetString().Should().Be("gausslegendre");
        methods["ig"].GetProperty("parameters").GetProperty("n_steps").GetInt32().Should().Be(50);
        methods["lrp"].GetProperty("parameters").GetProperty("output_space").GetString().Should().Be("logits");

        // 4×4 superpixels on 28×28: 7 blocks per row. Pixel (r, c) is in block (r / 4)·7 + c / 4:
        // (0, 0) → 0, (0, 4) → 1, (0, 27) → 6, (4, 0) → 7, (27, 27) → 6·7 + 6 = 48.
        var mask = methods["svs"].GetProperty("parameters").GetProperty("feature_mask").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        mask.Should().HaveCount(784);
        mask.Distinct().Should().HaveCount(49);
        new[] { mask[0], mask[4], mask[27], mask[4 * 28], mask[783] }.Should().Equal(0, 1, 6, 7, 48);
    }

    [Fact]
    public void Json_output_is_one_document_with_the_fast_path_and_the_requested_rows()
    {
        var (code, stdout) = Bench(["--json", "--images", "3", "--literal-images", "2", "--repeat", "1", "--threads", "1",
            "--methods", "xwp,lrp", "--method-images", "xwp=3,lrp=2"]);

        code.Should().Be(0);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        root.GetProperty("threads").GetInt32().Should().Be(1);
        root.GetProperty("command").GetString().Should().StartWith("xwp ");
        var fast = root.GetProperty("fast_path");
        fast.GetProperty("images").GetInt32().Should().Be(3);
        var paths = fast.GetProperty("rows").EnumerateArray().ToList();
        paths.Select(r => r.GetProperty("method").GetString()).Should().Equal("XWP", "XWP^c");
        paths.Should().AllSatisfy(r => r.GetProperty("max_abs_diff").GetDouble().Should().BeLessThan(1e-5, "literal and rank-1 XWP agree"));

        // The Fcnn has a ReLU and a Linear after its first layer, so the products ran over a part of the units
        // (with the bias column), and the performed work is less than the rank-1 count.
        paths.Should().AllSatisfy(r =>
        {
            r.GetProperty("active_unit_share").GetDouble().Should().BeInRange(0.01, 1.0);
            r.GetProperty("performed_gflops").GetDouble().Should().BeLessThan(r.GetProperty("useful_gflops").GetDouble());
        });

        var rows = root.GetProperty("methods").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("key").GetString()).Should().Equal("xwp", "lrp");
        rows.Select(r => r.GetProperty("images").GetInt32()).Should().Equal(3, 2);
        foreach (var r in rows)
        {
            var images = r.GetProperty("images").GetInt32();
            var seconds = r.GetProperty("seconds").GetDouble();
            seconds.Should().BePositive();
            r.GetProperty("images_per_second").GetDouble().Should().BeApproximately(images / seconds, 1e-9 * (images / seconds));
        }

        rows[1].GetProperty("peer").GetString().Should().Be("Captum LRP");
    }

    [Fact]
    public void An_unknown_method_key_is_a_usage_error_that_lists_the_keys()
    {
        var act = () => new BenchCommand().Run(new Arguments(["--methods", "xwp,gradcam", "--method-images", "1"]));

        act.Should().Throw<UsageException>().WithMessage("--methods: unknown key(s) gradcam; known: xwp, xwp-literal, xwpc, *");
    }

    [Fact]
    public void Torchscript_export_writes_the_small_cnns_targets_maps_and_a_manifest_for_the_peers()
    {
        var (modelPath, inputsPath) = SmallCnn();
        var folder = Path.Combine(_dir, "cnn");
        var (code, _) = Bench(["--torchscript", modelPath, "--inputs", inputsPath, "--threads", "1", "--export", folder,
            "--method-images", "kernelshap=2"]);
        code.Should().Be(0);

        using var model = TorchScriptModel.Load(modelPath);
        using var inputs = NpyFile.Read(Path.Combine(folder, "inputs.npy"));
        using var original = NpyFile.Read(inputsPath);
        inputs.shape.Should().Equal(32, 1, 28, 28);
        using var sameInputs = inputs.eq(original).all();
        sameInputs.item<bool>().Should().BeTrue("the peer reads the inputs Xwp used");
        using var targets = NpyFile.Read(Path.Combine(folder, "targets.npy"));
        using var logits = model.Forward(inputs);
        using var predicted = logits.argmax(1);
        targets.dtype.Should().Be(ScalarType.Int64);
        using var sameTargets = targets.eq(predicted).all();
        sameTargets.item<bool>().Should().BeTrue("the targets are the predicted classes");

        // The exported IG map is IG of this model: completeness, Σ map = p_t(x) − p_t(0) per image, up to the
        // 50-point Gauss–Legendre rule's error on a ReLU network (at most 2e-4 here on differences of about 5e-3).
        using var igMap = NpyFile.Read(Path.Combine(folder, "maps", "ig.npy"));
        igMap.shape.Should().Equal(32, 1, 28, 28);
        using var probabilities = logits.softmax(1);
        using var zeros = zeros_like(inputs);
        using var logitsAtZero = model.Forward(zeros);
        using var atZero = logitsAtZero.softmax(1);
        using var index = targets.unsqueeze(1);
        using var pickedAtX = probabilities.gather(1, index);
        using var pickedAtZero = atZero.gather(1, index);
        using var difference = pickedAtX.sub(pickedAtZero).squeeze(1);
        using var flatMap = igMap.reshape(32, -1);
        using var sums = flatMap.sum(1);
        using var error = sums.sub(difference);
        using var absError = error.abs();
        using var gap = absError.max();
        gap.item<float>().Should().BeLessThan(3e-4f);
        using var absDifference = difference.abs();
        using var meanDifference = absDifference.mean();
        meanDifference.item<float>().Should().BeGreaterThan(1e-3f, "the completeness check is not vacuous");

        using var occlusionMap = NpyFile.Read(Path.Combine(folder, "maps", "occlusion.npy"));
        using var occlusionAgain = model.Explain(inputs).For(targets).Using(Attributions.Occlusion()).Compute();
        TensorAssert.Close(occlusionMap, occlusionAgain, 1e-7);
        File.Exists(Path.Combine(folder, "maps", "kernelshap.npy")).Should().BeFalse("a sampled map cannot be compared value by value");

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, BenchExport.ManifestName)));
        var root = manifest.RootElement;
        root.GetProperty("format").GetString().Should().Be("torchscript");
        root.GetProperty("model").GetString().Should().Be(Path.GetFullPath(modelPath));
        root.GetProperty("threads").GetInt32().Should().Be(1);
        var methods = root.GetProperty("methods").EnumerateArray().ToList();
        methods.Select(m => m.GetProperty("key").GetString()).Should().Equal("occlusion", "kernelshap", "ig");
        methods.Select(m => m.GetProperty("images").GetInt32()).Should().Equal(32, 2, 32);
        methods[1].GetProperty("map").ValueKind.Should().Be(JsonValueKind.Null);
        methods[2].GetProperty("map_images").GetInt32().Should().Be(32);
        methods[0].GetProperty("parameters").GetProperty("window").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(4, 4);
        methods[2].GetProperty("parameters").GetProperty("method").GetString().Should().Be("gausslegendre");
        methods[1].GetProperty("parameters").GetProperty("feature_mask").GetArrayLength().Should().Be(784);
    }

    [Fact]
    public void Torchscript_json_has_one_row_per_generic_method_on_the_images_asked_for()
    {
        var (modelPath, inputsPath) = SmallCnn();
        var (code, stdout) = Bench(["--torchscript", modelPath, "--inputs", inputsPath, "--threads", "1", "--repeat", "1", "--json",
            "--method-images", "occlusion=3,kernelshap=1,ig=2"]);

        code.Should().Be(0);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        root.GetProperty("command").GetString().Should().StartWith("xwp ");
        root.GetProperty("network").GetString().Should().Be("small_cnn.pt (TorchScript), inputs [32, 1, 28, 28]");
        root.GetProperty("threads").GetInt32().Should().Be(1);
        var rows = root.GetProperty("methods").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("key").GetString()).Should().Equal("occlusion", "kernelshap", "ig");
        rows.Select(r => r.GetProperty("images").GetInt32()).Should().Equal(3, 1, 2);
        rows.Select(r => r.GetProperty("peer").GetString()).Should().Equal("Captum Occlusion", "Captum KernelShap", "Captum IntegratedGradients");
        foreach (var r in rows)
        {
            var images = r.GetProperty("images").GetInt32();
            var seconds = r.GetProperty("seconds").GetDouble();
            seconds.Should().BePositive();
            r.GetProperty("images_per_second").GetDouble().Should().BeApproximately(images / seconds, 1e-9 * (images / seconds));
        }
    }

    [Fact]
    public void Torchscript_bench_names_the_file_when_it_has_too_few_images_or_the_wrong_shape()
    {
        var (modelPath, inputsPath) = SmallCnn();
        var tooMany = () => new BenchCommand().Run(new Arguments(["--torchscript", modelPath, "--inputs", inputsPath, "--method-images", "ig=33"]));
        tooMany.Should().Throw<UsageException>().WithMessage("--method-images: ig asks for 33 images per call, but '*small_cnn_inputs.npy' holds 32.");

        var small = TorchScriptCommandTests.Fixture("cnn_inputs.npy");
        var wrongShape = () => new BenchCommand().Run(new Arguments(["--torchscript", modelPath, "--inputs", small]));
        wrongShape.Should().Throw<UsageException>().WithMessage("--inputs '*cnn_inputs.npy' has shape [4, 1, 8, 8]; *need [N, 1, 28, 28].");
    }

    /// <summary>The fixed small CNN and inputs that bench/peers/run.sh uses (docs/bench/).</summary>
    private static (string Model, string Inputs) SmallCnn()
    {
        var folder = Path.Combine(Xwp.Tests.Docs.ReadmeTests.RepositoryRoot(), "docs", "bench");
        return (Path.Combine(folder, "small_cnn.pt"), Path.Combine(folder, "small_cnn_inputs.npy"));
    }

    private static (int Code, string Stdout) Bench(string[] args)
    {
        using var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        int code;
        try
        {
            code = new BenchCommand().Run(new Arguments(args));
        }
        finally
        {
            Console.SetOut(console);
        }

        return (code, output.ToString());
    }
}
