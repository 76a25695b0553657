using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;

namespace Xwp.Tests.Cli;

/// <summary>
/// `xwp explain --torchscript MODEL.pt --initial INIT.pt --method xwp|xwpc` on a PyTorch MLP with a leading Flatten,
/// BatchNorm1d and Dropout (make_xwp_fixtures.py), against XWP computed literally in PyTorch.
/// </summary>
public sealed class XwpTorchScriptCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-xwp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => TorchScriptCommandTests.Fixture(name);

    [Theory]
    [InlineData("xwp", "xwp_mlp_init_state.pt")]
    [InlineData("xwpc", "xwp_mlp_init_state.pt")]
    [InlineData("xwp", "xwp_mlp_init.pt")]
    public void Explain_gives_pytorchs_literal_xwp_from_a_state_dict_or_an_untrained_torchscript_file(string method, string initial)
    {
        var outPath = Path.Combine(_dir, "A.npy");
        var code = new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture(initial), "--inputs", Fixture("xwp_mlp_inputs.npy"),
             "--targets", Fixture("xwp_mlp_targets.npy"), "--method", method, "--out", outPath]));
        code.Should().Be(0);

        using var written = NpyFile.Read(outPath);
        using var expected = NpyFile.Read(Fixture($"xwp_mlp_{method}.npy"));
        written.shape.Should().Equal(4, 3, 4);
        TensorAssert.Close(written, expected, 1e-5);
    }

    [Fact]
    public void First_layer_names_the_layer_of_a_custom_module()
    {
        var outPath = Path.Combine(_dir, "A.npy");
        var inputs = Path.Combine(_dir, "X.npy");
        using (var x = TorchSharp.torch.randn(3, 12))
        {
            NpyFile.Write(inputs, x);
        }

        var args = new List<string> { "--torchscript", Fixture("xwp_twohead.pt"), "--initial", Fixture("xwp_twohead_init_state.pt"), "--inputs", inputs, "--method", "xwp", "--out", outPath };
        var withoutName = () => new ExplainCommand().Run(new Arguments([.. args]));
        withoutName.Should().Throw<ArgumentException>().WithMessage("*TwoHead, not a Sequential*'fc1' (Linear)*");

        new ExplainCommand().Run(new Arguments([.. args, "--first-layer", "fc1"])).Should().Be(0);
        using var written = NpyFile.Read(outPath);
        written.shape.Should().Equal(3, 12);
        written.abs().sum().item<float>().Should().BeGreaterThan(0f);
    }

    [Fact]
    public void A_model_whose_first_layer_is_not_linear_gets_an_error_naming_it_and_the_methods_that_work()
    {
        var run = () => new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("xwp_convfirst.pt"), "--initial", Fixture("xwp_mlp_init_state.pt"), "--inputs", Fixture("cnn_inputs.npy"),
             "--method", "xwp", "--out", Path.Combine(_dir, "A.npy")]));
        run.Should().Throw<ArgumentException>().WithMessage("*first layer of this Sequential is '0' (Conv2d), not Linear*Occlusion*Integrated Gradients*");
    }

    [Fact]
    public void The_trained_file_given_as_initial_warns_that_every_score_is_zero()
    {
        // As with --initial/--trained state_dicts: θ⁰ = θ makes every XWP and XWP^c score 0, which the command said nothing about.
        using var warnings = new StringWriter();
        var model = ModelArguments.Read(new Arguments(["--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture("xwp_mlp.pt")])).Load(warnings);
        ((IDisposable)model).Dispose();
        warnings.ToString().Should().Be($"xwp: warning: --initial '{Fixture("xwp_mlp.pt")}' holds the same '1.weight' as --torchscript " +
                                         $"'{Fixture("xwp_mlp.pt")}', so every XWP and XWP^c score will be 0 (they measure what training changed).{Environment.NewLine}");

        using var none = new StringWriter();
        model = ModelArguments.Read(new Arguments(["--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture("xwp_mlp_init.pt")])).Load(none);
        ((IDisposable)model).Dispose();
        none.ToString().Should().BeEmpty("the untrained file differs");
    }

    [Fact]
    public void Xwp_without_initial_says_to_add_it()
    {
        var run = () => new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("xwp_mlp.pt"), "--inputs", Fixture("xwp_mlp_inputs.npy"), "--method", "xwp", "--out", Path.Combine(_dir, "A.npy")]));
        run.Should().Throw<UsageException>().WithMessage("*--initial INIT.pt*");
    }

    [Fact]
    public void All_classes_writes_one_map_per_class()
    {
        var outPath = Path.Combine(_dir, "A.npy");
        new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture("xwp_mlp_init_state.pt"), "--inputs", Fixture("xwp_mlp_inputs.npy"),
             "--method", "xwp", "--all-classes", "--out", outPath])).Should().Be(0);
        using var written = NpyFile.Read(outPath);
        written.shape.Should().Equal(4, 3, 3, 4);

        // Row n's slice for its fixture target equals PyTorch's literal XWP for that target (targets 0, 1, 2, 1).
        using var expected = NpyFile.Read(Fixture("xwp_mlp_xwp.npy"));
        long[] targets = [0, 1, 2, 1];
        for (var n = 0; n < 4; n++)
        {
            TensorAssert.Close(written[n, targets[n]], expected[n], 1e-5);
        }
    }

    [Fact]
    public void Checkpoints_give_one_map_per_later_checkpoint_relative_to_the_first_and_a_picture()
    {
        var outPath = Path.Combine(_dir, "A.npy");
        var picture = Path.Combine(_dir, "series.png");
        var code = new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("xwp_mlp.pt"), "--checkpoints", $"{Fixture("xwp_mlp_init_state.pt")},{Fixture("xwp_mlp_step20_state.pt")},{Fixture("xwp_mlp.pt")}",
             "--inputs", Fixture("xwp_mlp_inputs.npy"), "--targets", Fixture("xwp_mlp_targets.npy"), "--method", "xwp", "--out", outPath, "--picture", picture]));
        code.Should().Be(0);

        using var written = NpyFile.Read(outPath);
        written.shape.Should().Equal(2, 4, 3, 4);
        // The last checkpoint is the trained model itself: PyTorch's literal XWP against the untrained weights.
        using var expected = NpyFile.Read(Fixture("xwp_mlp_xwp.npy"));
        TensorAssert.Close(written[1], expected, 1e-5);
        // Halfway through training the map differs from the end's.
        (written[0] - written[1]).abs().max().item<float>().Should().BeGreaterThan(1e-3f);
        File.ReadAllBytes(picture).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
    }

    [Fact]
    public void Bench_xwp_paths_prints_both_paths_and_their_agreement()
    {
        var stdout = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            new BenchCommand().Run(new Arguments(["--xwp-paths", "--images", "3", "--repeat", "1", "--threads", "1"])).Should().Be(0);
        }
        finally
        {
            Console.SetOut(stdout);
        }

        var lines = captured.ToString().Split('\n').Where(l => l.StartsWith("| XWP", StringComparison.Ordinal)).ToList();
        lines.Should().HaveCount(4);
        // The last column is the largest difference between the two paths' maps: float rounding at most.
        lines.Select(l => double.Parse(l.Split('|', StringSplitOptions.RemoveEmptyEntries)[^1].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .Should().OnlyContain(d => d < 1e-5);
    }
}
