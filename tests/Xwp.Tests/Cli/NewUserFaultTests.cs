using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// Faults a new user met in `xwp` and in loading model files: usage errors buried under the usage, `--version`
/// after a command, method flags without --method, a TorchScript file where a state_dict belongs (and the
/// reverse), a nested Sequential's first Linear layer, and numeric options out of range.
/// </summary>
public sealed class NewUserFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-newuser-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => TorchScriptCommandTests.Fixture(name);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Runs `xwp ARGS` as the program does; returns the exit code and the lines on standard output and error.</summary>
    private static (int Code, string[] Output, string[] Errors) Xwp(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = TopLevel.Run(args, output, errors);
        static string[] Lines(StringWriter w) => w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        return (code, Lines(output), Lines(errors));
    }

    /// <summary>A usage error: exit 2, the message and the pointer to --help, nothing else; returns the message.</summary>
    private static string UsageError(params string[] args)
    {
        var (code, output, errors) = Xwp(args);
        code.Should().Be(FailureReport.Usage, string.Join("\n", errors));
        output.Should().BeEmpty();
        errors.Should().HaveCount(2, string.Join("\n", errors));
        errors[1].Should().Be($"Run 'xwp {args[0]} --help' for its options.");
        return errors[0];
    }

    // ---------------------------------------------------------------- 1. usage errors are not buried

    [Fact]
    public void A_usage_error_prints_its_message_and_a_pointer_to_help_not_the_whole_usage()
    {
        var line = UsageError("explain", "--model", "m.xwp", "--inputs", "X.npy", "--method", "xwp", "--out", "A.npy", "--bogus", "1");

        line.Should().Be("xwp explain: Unknown option(s): --bogus.");
    }

    [Fact]
    public void Help_still_prints_the_whole_usage()
    {
        var (code, output, errors) = Xwp("explain", "--help");

        code.Should().Be(0);
        errors.Should().BeEmpty();
        output[0].Should().StartWith("Usage: xwp explain");
        output.Length.Should().BeGreaterThan(30, "the full usage lists every option");
    }

    // ---------------------------------------------------------------- 2. --version after a command

    [Theory]
    [InlineData("explain")]
    [InlineData("evaluate")]
    [InlineData("data")]
    [InlineData("reproduce")]
    [InlineData("bench")]
    [InlineData("bench-eval")]
    [InlineData("info")]
    public void Version_after_any_command_is_a_usage_error_that_points_to_xwp_version(string command)
    {
        var line = UsageError(command, "--version");

        line.Should().Be($"xwp {command}: --version is an option of xwp itself, not of '{command}'; run 'xwp --version'.");
    }

    [Fact]
    public void Version_after_a_subcommand_and_other_options_is_refused_the_same_way()
    {
        var line = UsageError("data", "export", "--dataset", "tmnist", "--version");

        line.Should().Be("xwp data: --version is an option of xwp itself, not of 'data'; run 'xwp --version'.");
    }

    // ---------------------------------------------------------------- 3. method flags without --method

    [Theory]
    [InlineData("--rise-masks", "10", "rise")]
    [InlineData("--steps", "5", "ig")]
    [InlineData("--lrp-rule", "zplus", "lrp")]
    public void Evaluate_names_the_method_a_flag_belongs_to_when_method_is_missing(string flag, string value, string method)
    {
        var line = UsageError("evaluate", "--model", "m.xwp", "--inputs", "X.npy", "--targets", "Y.npy", "--attributions", "A.npy", flag, value);

        line.Should().Be($"xwp evaluate: {flag} configures --method {method}, and --method is missing (it is read only by --metrics max-sensitivity and randomisation, " +
                         $"which re-run the method); add --method {method} or leave {flag} out.");
    }

    [Fact]
    public void Evaluate_lists_every_method_that_reads_a_shared_flag()
    {
        var line = UsageError("evaluate", "--model", "m.xwp", "--inputs", "X.npy", "--targets", "Y.npy", "--attributions", "A.npy", "--samples", "5");

        line.Should().StartWith("xwp evaluate: --samples configures --method kernelshap, svs, and --method is missing");
    }

    // ---------------------------------------------------------------- 4. TorchScript archive vs state_dict

    [Fact]
    public void A_torchscript_model_given_as_trained_state_dict_says_to_pass_it_with_torchscript()
    {
        var scripted = Fixture("xwp_relu_mlp.pt");

        var line = UsageError("explain", "--initial", Fixture("xwp_relu_mlp_init_state.pt"), "--trained", scripted,
            "--inputs", Fixture("xwp_relu_mlp_inputs.npy"), "--method", "xwp", "--out", P("A.npy"));

        line.Should().Be($"xwp explain: --trained '{scripted}' is a TorchScript model, not a state_dict; pass it with --torchscript {scripted} " +
                         "(and the state_dict saved before training with --initial).");
        File.Exists(P("A.npy")).Should().BeFalse();
    }

    [Fact]
    public void A_state_dict_given_to_torchscript_says_to_pass_it_with_initial_and_trained()
    {
        var stateDict = Fixture("xwp_relu_mlp_init_state.pt");

        var line = UsageError("evaluate", "--torchscript", stateDict, "--inputs", Fixture("xwp_relu_mlp_inputs.npy"),
            "--targets", Fixture("xwp_relu_mlp_targets.npy"), "--attributions", Fixture("xwp_relu_mlp_xwp.npy"));

        line.Should().Be($"xwp evaluate: --torchscript '{stateDict}' is a state_dict (torch.save), not a TorchScript model; pass state_dicts of Linear layers " +
                         "with --initial and --trained, or save the model with torch.jit.script(model).save(path).");
    }

    [Theory]
    [InlineData("xwp_relu_mlp.pt", "is a TorchScript model, not an Xwp model file (Fcnn.Save); pass it with --torchscript {0}.")]
    [InlineData("xwp_relu_mlp_init_state.pt", "is a state_dict (torch.save), not an Xwp model file (Fcnn.Save); pass the state_dicts before and after training with --initial and --trained.")]
    public void A_pytorch_file_given_to_model_names_the_option_that_takes_it(string file, string rest)
    {
        var path = Fixture(file);

        var line = UsageError("explain", "--model", path, "--inputs", Fixture("xwp_relu_mlp_inputs.npy"), "--method", "saliency", "--out", P("A.npy"));

        line.Should().Be($"xwp explain: --model '{path}' " + string.Format(System.Globalization.CultureInfo.InvariantCulture, rest, path));
    }

    [Theory]
    [InlineData("xwp_relu_mlp.pt", "it is a TorchScript model, not an Xwp model file; load it with TorchScriptModel.Load.")]
    [InlineData("xwp_relu_mlp_init_state.pt", "it is a torch.save'd object such as a state_dict, not an Xwp model file; load state_dicts of Linear layers with Fcnn.FromPyTorch.")]
    public void The_library_names_the_loader_of_a_pytorch_file_given_to_Fcnn_Load(string file, string why)
    {
        var path = Fixture(file);

        var load = () => Fcnn.Load(path);

        load.Should().Throw<InvalidDataException>().Which.Message.Should().Be($"Cannot load model file '{path}': {why}");
    }

    [Fact]
    public void The_library_names_TorchScriptModel_Load_for_a_torchscript_file_read_as_a_state_dict()
    {
        var scripted = Fixture("xwp_relu_mlp.pt");

        var load = () => Fcnn.FromPyTorch(Fixture("xwp_relu_mlp_init_state.pt"), scripted);

        load.Should().Throw<InvalidDataException>().Which.Message.Should().Be(
            $"Cannot load PyTorch state_dict '{scripted}': it is a TorchScript model (torch.jit.script(model).save), not a state_dict; " +
            "load it with TorchScriptModel.Load (with XwpModel.FromTorchScript for XWP and XWP^c), or save the model's state_dict with torch.save(model.state_dict(), path).");
    }

    [Fact]
    public void The_library_names_Fcnn_FromPyTorch_for_a_state_dict_loaded_as_torchscript()
    {
        var stateDict = Fixture("xwp_relu_mlp_init_state.pt");

        var load = () => TorchScriptModel.Load(stateDict);

        load.Should().Throw<InvalidDataException>().Which.Message.Should().Be(
            $"'{stateDict}' is a torch.save'd object such as a state_dict, not a TorchScript model; load a state_dict of Linear layers with Fcnn.FromPyTorch, " +
            "or save the model with torch.jit.script(model).save(path).");
    }

    // ---------------------------------------------------------------- 5. a nested Sequential's first Linear

    [Fact]
    public void A_nested_sequential_is_refused_with_the_first_layer_option_and_the_linear_layers_it_holds()
    {
        // lrp_script_nested.pt: Sequential(Sequential(Linear 6->4, ReLU), Linear 4->3); its Linear weights are 0.0 and 1.
        var model = Fixture("lrp_script_nested.pt");
        var (code, _, errors) = Xwp("explain", "--torchscript", model, "--initial", model, "--inputs", Fixture("mlp_inputs.npy"),
            "--method", "xwp", "--out", P("A.npy"));

        code.Should().Be(FailureReport.Failed);
        errors.Should().ContainSingle().Which.Should().StartWith(
            "xwp explain: The first layer of this Sequential is '0' (Sequential), not Linear. If its first Linear layer is inside another module, " +
            "name it with --first-layer NAME; the layers with a 2-D weight are '0.0', '1'. XWP and XWP^c perturb");
    }

    [Fact]
    public void The_named_nested_layer_then_works()
    {
        var model = Fixture("lrp_script_nested.pt");
        var (code, _, _) = Xwp("explain", "--torchscript", model, "--initial", model, "--first-layer", "0.0", "--inputs", Fixture("mlp_inputs.npy"),
            "--method", "xwp", "--out", P("A.npy"));

        code.Should().Be(0);
        using var map = NpyFile.Read(P("A.npy"));
        map.shape.Should().Equal(5, 6);
    }

    [Fact]
    public void The_library_refusal_names_the_layer_argument_and_the_candidates()
    {
        using var nested = nn.Sequential(("0", nn.Sequential(("0", nn.Linear(6, 4)), ("1", nn.ReLU()))), ("1", nn.Linear(4, 3)));

        var capture = () => FirstLayerSnapshot.Capture(nested);

        capture.Should().Throw<ArgumentException>().WithMessage(
            "The first layer of this Sequential is '0' (Sequential), not Linear. If its first Linear layer is inside another module, name it with " +
            "the layer argument of FirstLayerSnapshot.Capture or FirstLayerSnapshot.Load; the layers with a 2-D weight are '0.0', '1'. *");
        using var named = FirstLayerSnapshot.Capture(nested, "0.0");
        named.LayerName.Should().Be("0.0");
    }

    // ---------------------------------------------------------------- 6. numeric options

    [Theory]
    [InlineData("rise", "--masks", "0", "--masks must be an integer ≥ 1, not '0'.")]
    [InlineData("rise", "--masks", "-5", "--masks must be an integer ≥ 1, not '-5'.")]
    [InlineData("rise", "--grid", "-1", "--grid must be an integer ≥ 1, not '-1'.")]
    [InlineData("rise", "--probability", "NaN", "--probability must be a number from 0 to 1, not 'NaN'.")]
    [InlineData("rise", "--probability", "1.5", "--probability must be a number from 0 to 1, not '1.5'.")]
    [InlineData("rise", "--rise-masks", "0", "--rise-masks takes a .npy file of masks (float [M, H, W] or [M, D]), not a number ('0'); for a count of random masks use --masks N (N ≥ 1).")]
    [InlineData("rise", "--rise-masks", "-10", "--rise-masks takes a .npy file of masks (float [M, H, W] or [M, D]), not a number ('-10'); for a count of random masks use --masks N (N ≥ 1).")]
    [InlineData("kernelshap", "--samples", "-3", "--samples must be an integer ≥ 1, not '-3'.")]
    [InlineData("kernelshap", "--samples", "99999999999", "--samples must be an integer ≥ 1, not '99999999999'.")]
    [InlineData("kernelshap", "--superpixel", "0", "--superpixel must be an integer ≥ 1, not '0'.")]
    [InlineData("kernelshap", "--seed", "1.5", "--seed must be a 64-bit integer, not '1.5'.")]
    [InlineData("ig", "--steps", "0", "--steps must be an integer ≥ 1, not '0'.")]
    [InlineData("ig", "--baseline", "NaN", "--baseline must be a finite number (float32) or a .npy file, not 'NaN'.")]
    [InlineData("ig", "--baseline", "1e300", "--baseline must be a finite number (float32) or a .npy file, not '1e300'.")]
    [InlineData("lrp", "--epsilon", "-1", "--epsilon must be a finite number ≥ 0, not '-1'.")]
    [InlineData("lrp", "--epsilon", "Infinity", "--epsilon must be a finite number ≥ 0, not 'Infinity'.")]
    [InlineData("occlusion", "--window", "0,4", "--window must be two positive integers 'height,width' (e.g. 4,4), not '0,4'.")]
    [InlineData("occlusion", "--stride", "-2", "--stride must be two positive integers 'height,width' (e.g. 4,4), not '-2'.")]
    [InlineData("saliency", "--batch-size", "0", "--batch-size must be an integer ≥ 1, not '0'.")]
    public void Explain_refuses_a_numeric_option_out_of_range_naming_it_and_the_range(string method, string flag, string value, string message)
    {
        var line = UsageError("explain", "--model", "m.xwp", "--inputs", "X.npy", "--method", method, "--out", "A.npy", flag, value);

        line.Should().Be($"xwp explain: {message}");
    }

    [Theory]
    [InlineData("--limit", "0", "--limit must be an integer ≥ 1, not '0'.")]
    [InlineData("--limit", "-100", "--limit must be an integer ≥ 1, not '-100'.")]
    [InlineData("--batch-size", "-1", "--batch-size must be an integer ≥ 1, not '-1'.")]
    [InlineData("--features-per-step", "0", "--features-per-step must be an integer ≥ 1, not '0'.")]
    [InlineData("--fraction", "NaN", "--fraction must be a finite number, not 'NaN'.")]
    [InlineData("--sensitivity-samples", "0", "--sensitivity-samples must be an integer ≥ 1, not '0'.")]
    [InlineData("--sensitivity-radius", "Infinity", "--sensitivity-radius must be a finite number, not 'Infinity'.")]
    [InlineData("--sensitivity-radius", "1e308", "--sensitivity-radius must be greater than 0 and at most 1.7e38 (the float32 noise spans 2·radius), not 1E+308.")] // was exit 70: "from is out of bounds for float"
    [InlineData("--sensitivity-radius", "3e38", "--sensitivity-radius must be greater than 0 and at most 1.7e38 (the float32 noise spans 2·radius), not 3E+38.")] // was exit 70: "to-from to exceed the limit"
    [InlineData("--threads", "0", "--threads must be an integer from 1 to")]
    public void Evaluate_refuses_a_numeric_option_out_of_range_naming_it_and_the_range(string flag, string value, string message)
    {
        var line = UsageError("evaluate", "--model", "m.xwp", "--inputs", "X.npy", "--targets", "Y.npy", "--attributions", "A.npy", flag, value);

        line.Should().StartWith($"xwp evaluate: {message}");
    }

    [Theory]
    [InlineData("bench", "--budget-mb", "-1", "--budget-mb must be an integer from 1 to 8796093022207, not '-1'.")]
    [InlineData("bench", "--budget-mb", "0", "--budget-mb must be an integer from 1 to 8796093022207, not '0'.")]
    [InlineData("bench-eval", "--budget-mb", "9999999999999999", "--budget-mb must be an integer from 1 to 8796093022207, not '9999999999999999'.")]
    [InlineData("bench-eval", "--repeat", "0", "--repeat must be an integer ≥ 1, not '0'.")]
    [InlineData("reproduce", "--epochs", "-1", "--epochs must be an integer ≥ 1, not '-1'.")]
    [InlineData("reproduce", "--datasets", ",", "--datasets names no dataset; give one or more of fashion-mnist, tmnist-style, separated by commas.")] // was exit 1 "No dataset could be run."
    public void Other_commands_refuse_numeric_options_out_of_range(string command, string flag, string value, string message)
    {
        // 8796093022207 = long.MaxValue >> 20: the largest budget in MiB whose byte count fits a long.
        var line = UsageError(command, flag, value);

        line.Should().Be($"xwp {command}: {message}");
    }

    [Fact]
    public void Evaluate_with_a_limit_above_the_rows_scores_every_row_and_notes_it_once()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        var modelPath = P("m.xwp");
        model.Save(modelPath);
        using var x = TinyNets.SparseInputs(4, 12, 7);
        using var y = tensor(new long[] { 0, 1, 2, 0 });
        using var a = model.Explain(x).For(y).Using(Attributions.Xwp()).Compute();
        NpyFile.Write(P("X.npy"), x);
        NpyFile.Write(P("Y.npy"), y);
        NpyFile.Write(P("A.npy"), a);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = new EvaluateCommand(stdout, stderr).Run(new Arguments(
            ["--model", modelPath, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--metrics", "sparseness", "--limit", "1000", "--json"]));

        code.Should().Be(0);
        stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Which.Should().Be(
            $"xwp evaluate: note: --limit 1000 is more than the 4 rows of '{P("X.npy")}'; scoring all 4.");
        var expected = Metrics.Sparseness().Score(model, x, y, a).Statistics.Mean;
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        json.RootElement.GetProperty("sparseness").GetProperty("mean").GetDouble().Should().BeApproximately(expected, 1e-12, "all 4 rows are scored");
    }
}
