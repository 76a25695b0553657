using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// Faults a first user met in the CLI, one kind per test: each failure is one line with the right exit
/// code and names what is wrong, never an "internal error" or a silently wrong result.
/// </summary>
public sealed class UserTrialFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-trial-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => TorchScriptCommandTests.Fixture(name);

    /// <summary>Runs a command as the program does; returns the first line on standard error.</summary>
    private static string Fails(int expectedCode, ICommand command, params string[] args)
    {
        var errors = new StringWriter();
        var code = FailureReport.Run(command, args, errors);
        var text = errors.ToString();
        text.Should().NotContain("   at ", "no stack frames without XWP_DEBUG");
        code.Should().Be(expectedCode, text);
        return text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[0];
    }

    // ---------------------------------------------------------------- 1. TorchScript forward failures

    [Fact]
    public void Inputs_of_the_wrong_shape_for_a_scripted_model_name_the_file_its_shape_and_the_interpreter_error()
    {
        // mlp.pt takes [N, 6]; the CNN's inputs are [4, 1, 8, 8]: its first Linear meets 1x64 against 6 inputs.
        var outPath = Path.Combine(_dir, "A.npy");
        var inputs = Fixture("cnn_inputs.npy");

        var line = Fails(FailureReport.Failed, new ExplainCommand(),
            "--torchscript", Fixture("mlp.pt"), "--inputs", inputs, "--method", "saliency", "--out", outPath);

        line.Should().Be($"xwp explain: '{inputs}' holds inputs of shape [4, 1, 8, 8] (rows of shape [1, 8, 8]), which the model cannot take. " +
                         "The model's error on the first row alone, [1, 1, 8, 8]: mat1 and mat2 shapes cannot be multiplied (8x8 and 6x8)");
        File.Exists(outPath).Should().BeFalse();
    }

    [Fact]
    public void Inputs_one_feature_short_are_reported_with_the_files_shape_not_only_the_one_row_probes()
    {
        // mlp.pt takes [N, 6]; X is [3, 5]. The interpreter's error is about the one-row probe (1x5); the message
        // leads with the file's own shape and says where the probe's shape comes from.
        var inputs = Path.Combine(_dir, "X.npy");
        using (var x = ones(3, 5))
        {
            NpyFile.Write(inputs, x);
        }

        var explain = Fails(FailureReport.Failed, new ExplainCommand(),
            "--torchscript", Fixture("mlp.pt"), "--inputs", inputs, "--method", "saliency", "--out", Path.Combine(_dir, "A.npy"));
        var evaluate = Fails(FailureReport.Failed, new EvaluateCommand(TextWriter.Null, TextWriter.Null),
            "--torchscript", Fixture("mlp.pt"), "--inputs", inputs, "--attributions", inputs);

        const string Rest = "holds inputs of shape [3, 5] (rows of shape [5]), which the model cannot take. " +
                            "The model's error on the first row alone, [1, 5]: mat1 and mat2 shapes cannot be multiplied (1x5 and 6x8)";
        explain.Should().Be($"xwp explain: '{inputs}' {Rest}");
        evaluate.Should().Be($"xwp evaluate: '{inputs}' {Rest}");
    }

    [Fact]
    public void Inputs_of_the_wrong_width_for_an_xwp_model_name_the_features_its_first_layer_takes()
    {
        // xwp_mlp.pt's first Linear layer (named 1, after a Flatten) takes 12 features; X is [3, 5].
        var inputs = Path.Combine(_dir, "X.npy");
        using (var x = ones(3, 5))
        {
            NpyFile.Write(inputs, x);
        }

        var line = Fails(FailureReport.Failed, new ExplainCommand(),
            "--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture("xwp_mlp_init.pt"), "--inputs", inputs, "--method", "xwp", "--out", Path.Combine(_dir, "A.npy"));

        line.Should().Be($"xwp explain: '{inputs}' holds inputs of shape [3, 5] (rows of shape [5]), which the model cannot take; its first Linear " +
                         "layer '1' takes 12 features per row, and a row here holds 5. The model's error on the first row alone, [1, 5]: " +
                         "mat1 and mat2 shapes cannot be multiplied (1x5 and 12x8)");
    }

    [Fact]
    public void A_scripted_forward_failure_is_a_model_forward_exception_with_the_interpreter_line()
    {
        using var model = TorchScriptModel.Load(Fixture("cnn.pt"));
        using var x = zeros(2, 6);

        var thrown = FluentActions.Invoking(() => model.Forward(x)).Should().Throw<ModelForwardException>().Which;

        thrown.InputShape.Should().Equal(2, 6);
        thrown.Reason.Should().NotContain("\n").And.NotContain("Traceback").And.NotBeEmpty();
        thrown.Message.Should().StartWith($"The TorchScript model '{Fixture("cnn.pt")}' failed on inputs of shape [2, 6]: ");
    }

    [Fact]
    public void A_scripted_model_that_returns_a_tuple_is_told_to_return_one_tensor()
    {
        var line = Fails(FailureReport.Failed, new ExplainCommand(),
            "--torchscript", Fixture("tuple.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--method", "saliency", "--out", Path.Combine(_dir, "A.npy"));

        line.Should().Be($"xwp explain: The TorchScript model '{Fixture("tuple.pt")}' returned a tuple; Xwp needs a module whose forward " +
                         "returns one tensor [N, C] (return only the class scores, e.g. out[0]).");
    }

    [Fact]
    public void The_interpreter_error_is_the_last_error_line_of_its_traceback()
    {
        const string message = """
            The following operation failed in the TorchScript interpreter.
            Traceback of TorchScript, serialized code (most recent call last):
              File "code/__torch__.py", line 9, in forward
                return torch.linear(x, w)
            Traceback of TorchScript, original code (most recent call last):
            RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x676 and 36x3)
            """;

        TorchScriptModel.InterpreterError(message).Should().Be("mat1 and mat2 shapes cannot be multiplied (1x676 and 36x3)");
    }

    // ---------------------------------------------------------------- 2. an output that names an input

    [Fact]
    public void Explain_refuses_an_out_that_is_an_input_file_before_computing_and_leaves_it_unchanged()
    {
        var (init, trained, inputs, targets) = SmallModelFiles();
        var before = File.ReadAllBytes(inputs);
        string[] model = ["--initial", init, "--trained", trained];

        Fails(FailureReport.Usage, new ExplainCommand(), [.. model, "--inputs", inputs, "--targets", targets, "--method", "xwp", "--out", inputs])
            .Should().Be($"xwp explain: --out '{inputs}' is the --inputs file '{inputs}'; writing it would overwrite an input. Choose another --out.");
        Fails(FailureReport.Usage, new ExplainCommand(), [.. model, "--inputs", inputs, "--targets", targets, "--method", "xwp", "--out", trained])
            .Should().StartWith($"xwp explain: --out '{trained}' is the --trained file");

        // Through a symbolic link and a relative path with "..": still the same file.
        var link = Path.Combine(_dir, "link.npy");
        File.CreateSymbolicLink(link, targets);
        var dotted = Path.Combine(_dir, "sub", "..", "link.npy");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        Fails(FailureReport.Usage, new ExplainCommand(), [.. model, "--inputs", inputs, "--targets", targets, "--method", "xwp", "--out", dotted])
            .Should().StartWith($"xwp explain: --out '{dotted}' is the --targets file '{targets}'");

        File.ReadAllBytes(inputs).Should().Equal(before);
    }

    [Fact]
    public void Evaluate_refuses_curves_out_that_is_an_attributions_file()
    {
        var (init, trained, inputs, targets) = SmallModelFiles();
        var maps = Path.Combine(_dir, "A.npy");
        using (var a = ones(5, 12))
        {
            NpyFile.Write(maps, a);
        }

        Fails(FailureReport.Usage, new EvaluateCommand(TextWriter.Null, TextWriter.Null),
                "--initial", init, "--trained", trained, "--inputs", inputs, "--targets", targets, "--attributions", $"ig={maps}", "--curves-out", maps)
            .Should().Be($"xwp evaluate: --curves-out '{maps}' is the --attributions file '{maps}'; writing it would overwrite an input. Choose another --curves-out.");
    }

    // ---------------------------------------------------------------- 3. outputs that are not finite or not probabilities

    [Fact]
    public void A_scripted_model_that_returns_nan_is_refused_instead_of_writing_nan_maps()
    {
        var outPath = Path.Combine(_dir, "A.npy");

        // nan.pt returns [N, 3] of NaN; the first forward is the class-count probe on one row: 3 NaN of 3 outputs.
        Fails(FailureReport.Failed, new ExplainCommand(),
                "--torchscript", Fixture("nan.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--method", "saliency", "--out", outPath)
            .Should().Be($"xwp explain: The TorchScript model '{Fixture("nan.pt")}' returned 3 NaN values among its 3 outputs [1, 3] for a batch of 1 input row(s); " +
                         "attributions need finite outputs (check the model's weights and its forward function).");
        File.Exists(outPath).Should().BeFalse();
    }

    [Fact]
    public void Any_non_finite_output_of_a_forward_function_is_refused_with_its_counts()
    {
        // Every row is [NaN, inf, -inf]: 2 rows give 2 NaN and 4 infinite values among 6 outputs.
        var model = ExplainableModel.FromFunction(x => x[.., ..3].mul(0).add(tensor(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })));
        using var x = ones(2, 4);

        FluentActions.Invoking(() => Xwp.Attribution.ModelOutputs.Evaluate(model, x, OutputSpace.Logits))
            .Should().Throw<InvalidOperationException>()
            .WithMessage("The model returned 2 NaN and 4 infinite values among its 6 outputs [2, 3] for a batch of 2 input row(s);*");
    }

    [Fact]
    public void Logits_declared_as_probabilities_are_refused_with_a_hint_to_use_model_output_logits()
    {
        var line = Fails(FailureReport.Failed, new ExplainCommand(),
            "--torchscript", Fixture("mlp.pt"), "--model-output", "probabilities", "--inputs", Fixture("mlp_inputs.npy"),
            "--method", "saliency", "--out", Path.Combine(_dir, "A.npy"));

        line.Should().StartWith("xwp explain: The model is declared to return probabilities (--model-output probabilities), but its outputs are not:")
            .And.EndWith("If it returns logits, use --model-output logits.");

        // The real probabilities model passes: its softmax rows sum to 1 within 1e-3.
        FailureReport.Run(new ExplainCommand(),
                ["--torchscript", Fixture("mlp_probabilities.pt"), "--model-output", "probabilities", "--inputs", Fixture("mlp_inputs.npy"),
                 "--method", "saliency", "--out", Path.Combine(_dir, "P.npy")], TextWriter.Null)
            .Should().Be(0);
    }

    [Fact]
    public void Probabilities_within_the_tolerance_pass_and_beyond_it_fail()
    {
        // Rows [0.5, 0.5004, 0] sum to 1.0004 (within 1e-3); [0.5, 0.502, 0] sum to 1.002 (beyond).
        var within = ExplainableModel.FromFunction(x => x[.., ..3].mul(0).add(tensor(new[] { 0.5f, 0.5004f, 0f })), ModelOutput.Probabilities);
        var beyond = ExplainableModel.FromFunction(x => x[.., ..3].mul(0).add(tensor(new[] { 0.5f, 0.502f, 0f })), ModelOutput.Probabilities);
        using var x = ones(2, 4);

        Xwp.Attribution.ModelOutputs.ClassCount(within, x).Should().Be(3);
        FluentActions.Invoking(() => Xwp.Attribution.ModelOutputs.ClassCount(beyond, x))
            .Should().Throw<InvalidOperationException>().WithMessage("*row 0 sums to 1.002*");
    }

    // ---------------------------------------------------------------- 4. options that would be ignored

    [Theory]
    [InlineData("--method", "--method a --method b")]
    [InlineData("--out", "--out=a.npy --out b.npy")]
    [InlineData("--json", "--json --json")]
    public void An_option_given_twice_is_a_usage_error(string option, string line)
    {
        FluentActions.Invoking(() => new Arguments(line.Split(' ')))
            .Should().Throw<UsageException>()
            .WithMessage($"{option} is given twice; give it once*");
    }

    [Fact]
    public void Model_flags_that_do_not_apply_are_usage_errors()
    {
        var (init, trained, inputs, _) = SmallModelFiles();
        var xwp = Path.Combine(_dir, "m.xwp");
        using (var model = Fcnn.FromPyTorch(init, trained))
        {
            model.Save(xwp);
        }

        string[] rest = ["--inputs", inputs, "--method", "saliency", "--out", Path.Combine(_dir, "A.npy")];
        Fails(FailureReport.Usage, new ExplainCommand(), ["--model", xwp, "--activation", "tanh", .. rest])
            .Should().Be("xwp explain: --activation applies only to --initial/--trained (PyTorch state_dicts), not to --model (an .xwp file records its activation and layers).");
        Fails(FailureReport.Usage, new ExplainCommand(), ["--torchscript", Fixture("mlp.pt"), "--layer-order", "a,b", .. rest])
            .Should().Be("xwp explain: --layer-order applies only to --initial/--trained (PyTorch state_dicts), not to --torchscript (the scripted forward runs as saved).");
        Fails(FailureReport.Usage, new ExplainCommand(), ["--initial", init, "--trained", trained, "--model-output", "probabilities", .. rest])
            .Should().Be("xwp explain: --model-output applies only to --torchscript; --model and --initial/--trained models return logits.");
        Fails(FailureReport.Usage, new EvaluateCommand(TextWriter.Null, TextWriter.Null),
                "--model", xwp, "--model-output", "logits", "--inputs", inputs, "--targets", inputs, "--attributions", inputs)
            .Should().StartWith("xwp evaluate: --model-output applies only to --torchscript");
    }

    [Fact]
    public void Reproduce_with_all_and_limit_is_a_usage_error()
    {
        Fails(FailureReport.Usage, new ReproduceCommand(), "--all", "--limit", "5", "--out", Path.Combine(_dir, "r"))
            .Should().Be("xwp reproduce: Give --limit N or --all, not both (--all runs every test image).");
        Directory.Exists(Path.Combine(_dir, "r")).Should().BeFalse();
    }

    // ---------------------------------------------------------------- 5. .NET text in messages

    [Fact]
    public void A_method_option_out_of_range_names_the_flag_without_dotnet_suffixes()
    {
        var (init, trained, inputs, _) = SmallModelFiles();

        // RISE's probability must lie in (0, 1] (the CLI lets 0 through to the library, which refuses it); .NET would
        // append " (Parameter 'Probability')" and "Actual value was 0.".
        var line = Fails(FailureReport.Usage, new ExplainCommand(),
            "--initial", init, "--trained", trained, "--inputs", inputs, "--method", "rise", "--probability", "0", "--out", Path.Combine(_dir, "A.npy"));

        line.Should().StartWith("xwp explain: --probability: ").And.EndWith(".")
            .And.NotContain("(Parameter").And.NotContain("Actual value");
    }

    // ---------------------------------------------------------------- 6. folders and pipes as input files

    [Fact]
    public void A_folder_given_as_an_input_file_is_called_a_folder()
    {
        var (init, trained, inputs, _) = SmallModelFiles();
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "d")).FullName;
        var outPath = Path.Combine(_dir, "A.npy");

        Fails(FailureReport.Failed, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", folder, "--method", "xwp", "--out", outPath)
            .Should().Be($"xwp explain: '{folder}' is a folder; give the .npy file inside it.");
        Fails(FailureReport.Failed, new ExplainCommand(), "--initial", folder, "--trained", trained, "--inputs", inputs, "--method", "xwp", "--out", outPath)
            .Should().Be($"xwp explain: '{folder}' is a folder; give the PyTorch state_dict inside it.");
    }

    [Fact]
    public void A_fifo_given_as_an_input_file_is_refused_naming_it_without_reading_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (init, trained, _, _) = SmallModelFiles();
        var fifo = Path.Combine(_dir, "pipe.npy");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        // Opening a FIFO with no writer would block: the check must refuse it from its kind alone.
        Fails(FailureReport.Failed, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", fifo, "--method", "xwp", "--out", Path.Combine(_dir, "A.npy"))
            .Should().Be($"xwp explain: '{fifo}' is a FIFO (named pipe), not a regular file; a .npy file is read from a regular file (save the data to a file first).");
    }

    // ---------------------------------------------------------------- 7. reproduce: warnings on standard error

    [Fact]
    public void Reproduce_names_the_missing_fashion_mnist_files_of_the_given_folder_on_the_warnings_writer()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "fm")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte.gz"), []);
        var settings = new Xwp.Cli.Reproduction.ReproduceSettings
        {
            Datasets = ["fashion-mnist"], Limit = 10, Epochs = 1, OutputFolder = Path.Combine(_dir, "report"), FashionMnistPath = folder,
        };
        using var log = new StringWriter();
        using var warnings = new StringWriter();

        // The only dataset is skipped, so the run fails; the warning says which three files are missing, and where.
        FluentActions.Invoking(() => ReproduceCommand.Run(settings, new Xwp.Cli.Reproduction.PlainProgressSink(log, warnings: warnings), CancellationToken.None))
            .Should().Throw<InvalidOperationException>().WithMessage("No dataset could be run: every dataset of --datasets was skipped (the warnings above say why).");

        warnings.ToString().Trim().Should().Be(
            $"warning: Fashion-MNIST skipped: --fashion-mnist '{folder}' has no train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte " +
            "(raw or .gz); Fashion-MNIST needs all four of train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.");
        log.ToString().Should().NotContain("warning");
    }

    // ---------------------------------------------------------------- 8. Ctrl+C in explain and evaluate

    [Fact]
    public void Ctrl_c_during_explain_or_evaluate_reports_cancelled_with_exit_130_and_writes_nothing()
    {
        var (init, trained, inputs, targets) = SmallModelFiles();
        var outPath = Path.Combine(_dir, "A.npy");
        var curves = Path.Combine(_dir, "C.npy");
        var maps = Path.Combine(_dir, "M.npy");
        using (var m = ones(5, 12))
        {
            NpyFile.Write(maps, m);
        }

        CtrlC.Listening = listener => listener.Press();
        try
        {
            Fails(FailureReport.Cancelled, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", inputs, "--method", "xwp", "--out", outPath)
                .Should().Be("xwp explain: cancelled.");
            Fails(FailureReport.Cancelled, new EvaluateCommand(TextWriter.Null, TextWriter.Null),
                    "--initial", init, "--trained", trained, "--inputs", inputs, "--targets", targets, "--attributions", maps, "--curves-out", curves)
                .Should().Be("xwp evaluate: cancelled.");
        }
        finally
        {
            CtrlC.Listening = null;
        }

        File.Exists(outPath).Should().BeFalse();
        File.Exists(curves).Should().BeFalse();
    }

    // ---------------------------------------------------------------- 9. a scripted model saved in training mode

    [Fact]
    public void A_scripted_model_saved_in_training_mode_gives_the_eval_mode_maps()
    {
        // train_mode_bn.pt was scripted while training (BatchNorm2d, momentum 0.5; make_train_mode_fixture.py). The CLI's
        // first forward (the class count, checking the inputs and targets) ran in training mode: it normalised by that one
        // image and moved the running statistics halfway to it, so the maps differed from PyTorch's eval-mode gradient by
        // up to 0.125 (largest |value| 0.112). Every forward now runs in eval mode and the file's statistics stay as saved.
        var outPath = Path.Combine(_dir, "A.npy");

        var code = FailureReport.Run(new ExplainCommand(),
            ["--torchscript", Fixture("train_mode_bn.pt"), "--inputs", Fixture("train_mode_bn_inputs.npy"),
             "--targets", Fixture("train_mode_bn_targets.npy"), "--method", "saliency", "--signed", "--output-space", "logits", "--out", outPath],
            TextWriter.Null);

        code.Should().Be(0);
        using var written = NpyFile.Read(outPath);
        using var expected = NpyFile.Read(Fixture("train_mode_bn_saliency.npy"));
        Xwp.Tests.TestUtils.TensorAssert.Close(written, expected, 1e-6);
    }

    [Fact]
    public void The_class_count_probe_leaves_a_training_module_and_its_running_statistics_as_they_were()
    {
        using var scope = NewDisposeScope();
        var bn = nn.BatchNorm2d(2, momentum: 0.5);
        var module = nn.Sequential(("conv", nn.Conv2d(1, 2, 3)), ("bn", bn), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(8, 3)));
        module.train();
        var model = ExplainableModel.FromModule(module, ModelOutput.Logits);
        var x = ones(2, 1, 4, 4);
        var mean = bn.running_mean!.clone();
        var variance = bn.running_var!.clone();

        Xwp.Attribution.ModelOutputs.ClassCount(model, x).Should().Be(3);

        // In training mode one forward would set running_mean to 0.5·0 + 0.5·(batch mean) ≠ 0.
        Xwp.Tests.TestUtils.TensorAssert.Identical(bn.running_mean!, mean);
        Xwp.Tests.TestUtils.TensorAssert.Identical(bn.running_var!, variance);
        module.training.Should().BeTrue("the caller's mode comes back after the probe");
    }

    /// <summary>A trained 12-6-3 FCNN as state_dicts, inputs [5, 12] and targets [5].</summary>
    private (string Init, string Trained, string Inputs, string Targets) SmallModelFiles()
    {
        using var model = Xwp.Tests.TestUtils.TinyNets.RandomTrained([12, 6, 3], 3);
        var init = Xwp.Tests.TestUtils.StateDicts.Save(model.Initial, Path.Combine(_dir, "init.pt"));
        var trained = Xwp.Tests.TestUtils.StateDicts.Save(model.Trained, Path.Combine(_dir, "trained.pt"));
        var inputs = Path.Combine(_dir, "X.npy");
        using (var x = Xwp.Tests.TestUtils.TinyNets.SparseInputs(5, 12, 7))
        {
            NpyFile.Write(inputs, x);
        }

        var targets = Path.Combine(_dir, "Y.npy");
        using (var y = tensor(new long[] { 0, 1, 2, 0, 1 }))
        {
            NpyFile.Write(targets, y);
        }

        return (init, trained, inputs, targets);
    }
}
