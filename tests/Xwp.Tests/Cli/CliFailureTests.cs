using System.Runtime.InteropServices;
using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// Every command, fed a bad case per kind of failure, prints exactly one line on standard error (no stack
/// frames) and exits non-zero. The commands run through <see cref="FailureReport.Run"/>, as the program does.
/// </summary>
public sealed class CliFailureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-fail-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---------------------------------------------------------------- explain

    [Fact]
    public void Lrp_on_a_tanh_model_is_one_line_not_a_crash()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3, activation: Activation.Tanh);
        var (init, trained) = StateDictPair(model);
        var x = Inputs(3, 12);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--activation", "tanh", "--inputs", x, "--method", "lrp", "--out", P("A.npy"));

        err.Should().Match("xwp explain: LRP supports FCNNs with ReLU or LeakyReLU activations; this model uses Tanh.*Integrated Gradients*");
        File.Exists(P("A.npy")).Should().BeFalse();
    }

    [Fact]
    public void A_targets_file_of_the_wrong_length_names_both_files_and_both_lengths()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var y = Targets("Y.npy", 0, 1, 2, 1, 0);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--method", "saliency", "--out", P("A.npy"));

        err.Should().Be($"xwp explain: '{y}' has 5 rows but '{x}' has 3; give one class per input row.");
    }

    [Fact]
    public void An_out_of_range_label_names_the_file_the_row_and_the_valid_range()
    {
        var (init, trained) = Pair();
        var x = Inputs(4, 12);
        var y = Targets("Y.npy", 0, 7, 2, -1);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--method", "xwp", "--out", P("A.npy"));

        err.Should().Be($"xwp explain: '{y}' row 1 holds class 7, but the model has 3 classes (0 to 2) (2 rows are out of range; this is the first).");
    }

    [Fact]
    public void A_non_finite_input_names_the_file_the_row_and_the_feature()
    {
        var (init, trained) = Pair();
        using var values = zeros(3, 12);
        values[2, 5] = tensor(float.PositiveInfinity);
        var x = P("X.npy");
        NpyFile.Write(x, values);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--method", "xwp", "--out", P("A.npy"));

        err.Should().Be($"xwp explain: '{x}' has a non-finite value at row 2, feature 5 (1 infinite value in the file); it must hold finite numbers.");
    }

    [Fact]
    public void An_inputs_file_without_rows_is_named()
    {
        var (init, trained) = Pair();
        using var values = zeros(0, 12);
        var x = P("X0.npy");
        NpyFile.Write(x, values);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--method", "xwp", "--out", P("A.npy"));

        err.Should().Be($"xwp explain: '{x}' holds no rows (shape [0, 12]); give at least one.");
    }

    [Fact]
    public void Random_bytes_as_a_state_dict_are_called_not_a_pytorch_file()
    {
        var (init, _) = Pair();
        var bytes = P("random.pt");
        File.WriteAllBytes(bytes, [0x13, 0x37, 0xca, 0xfe, 0, 1, 2, 3]);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", bytes, "--inputs", Inputs(2, 12), "--method", "xwp", "--out", P("A.npy"));

        err.Should().Match($"xwp explain: Cannot load PyTorch state_dict '{bytes}': it is not a PyTorch file: torch.save writes a zip archive*1337CAFE*");
    }

    [Fact]
    public void Non_finite_weights_are_refused_naming_the_file_and_the_tensor()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        var init = StateDicts.Save(model.Initial, P("init.pt"));
        using var bad = model.Trained.Weights[1].clone();
        bad[0, 0] = tensor(float.NaN);
        bad[1, 2] = tensor(float.NaN);
        bad[2, 5] = tensor(float.NaN);
        var trained = StateDicts.Save(new Dictionary<string, Tensor>
        {
            ["0.weight"] = model.Trained.Weights[0], ["0.bias"] = model.Trained.Biases[0],
            ["2.weight"] = bad, ["2.bias"] = model.Trained.Biases[1],
        }, P("trained.pt"));

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", Inputs(2, 12), "--method", "xwp", "--out", P("A.npy"));

        err.Should().Be($"xwp explain: Cannot load PyTorch state_dict '{trained}': tensor '2.weight' has 3 NaN values.");
    }

    [Fact]
    public void Named_layers_without_an_order_ask_for_layer_order_and_layer_order_fixes_it()
    {
        // fc_a and fc_b are both [12, 12]: either can come first, so neither the names nor the shapes give the order.
        using var scope = NewDisposeScope();
        var entries = new Dictionary<string, Tensor>
        {
            ["fc_a.weight"] = full(12, 12, 0.1f), ["fc_a.bias"] = zeros(12),
            ["fc_b.weight"] = full(12, 12, -0.1f), ["fc_b.bias"] = zeros(12),
            ["fc_out.weight"] = full(3, 12, 0.2f), ["fc_out.bias"] = zeros(3),
        };
        var init = StateDicts.Save(entries, P("init.pt"));
        var trained = StateDicts.Save(entries, P("trained.pt"));
        var x = Inputs(2, 12);

        var err = Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--method", "saliency", "--out", P("A.npy"));

        err.Should().Match($"xwp explain: Cannot load PyTorch state_dict '{init}': these layers cannot be ordered: fc_a [12, 12], fc_b [12, 12], fc_out [3, 12]*name them in order*--layer-order*");
        var code = FailureReport.Run(new ExplainCommand(),
            ["--initial", init, "--trained", trained, "--inputs", x, "--method", "saliency", "--out", P("A.npy"), "--layer-order", "fc_b,fc_a,fc_out"], new StringWriter());
        code.Should().Be(0);
        File.Exists(P("A.npy")).Should().BeTrue();
    }

    [Theory]
    [InlineData("missing.npy", "*does not exist*")]
    [InlineData("garbage.npy", "*bad magic*")]
    public void Unreadable_inputs_are_one_line(string name, string pattern)
    {
        var (init, trained) = Pair();
        if (name == "garbage.npy")
        {
            File.WriteAllText(P(name), "not numpy");
        }

        Fails(1, new ExplainCommand(), "--initial", init, "--trained", trained, "--inputs", P(name), "--method", "xwp", "--out", P("A.npy"))
            .Should().Match($"xwp explain: *'{P(name)}'{pattern}");
    }

    [Fact]
    public void A_damaged_model_file_is_one_line()
    {
        var path = P("m.xwp");
        File.WriteAllText(path, "XWPMODEL but not really a model, and long enough to hold a checksum.");

        Fails(1, new ExplainCommand(), "--model", path, "--inputs", Inputs(2, 12), "--method", "xwp", "--out", P("A.npy"))
            .Should().Be($"xwp explain: Cannot load model file '{path}': its checksum does not match: the file is truncated or damaged.");
    }

    // ---------------------------------------------------------------- evaluate

    [Fact]
    public void A_non_finite_attribution_names_the_attributions_file_not_the_inputs()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var y = Targets("Y.npy", 0, 1, 2);
        using var maps = ones(3, 12);
        maps[1, 4] = tensor(float.NaN);
        var a = P("A.npy");
        NpyFile.Write(a, maps);

        var err = Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--attributions", a);

        err.Should().Be($"xwp evaluate: '{a}' has a non-finite value at row 1, feature 4 (1 NaN value in the file); it must hold finite numbers.");
    }

    [Fact]
    public void A_nan_in_a_class_map_that_is_not_scored_is_not_refused()
    {
        // All-class maps [3, 3, 12] scored with --targets 0,1,2 read A[0, 0], A[1, 1], A[2, 2] only. A NaN in row 1's
        // class-0 map is never read: the run must give exactly the report of the three target maps as [3, 12].
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var y = Targets("Y.npy", 0, 1, 2);
        using var all = rand(new long[] { 3, 3, 12 }, generator: new TorchSharp.torch.Generator(5));
        all[1, 0, 4] = tensor(float.NaN);
        var a = P("ALL.npy");
        NpyFile.Write(a, all);
        using var selected = stack([all[0, 0], all[1, 1], all[2, 2]]);
        var s = P("S.npy");
        NpyFile.Write(s, selected);
        string[] common = ["--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--json", "--metrics", "deletion-auc,average-drop"];

        var fromAll = new StringWriter();
        new EvaluateCommand(fromAll, TextWriter.Null).Run(new Arguments([.. common, "--attributions", $"m={a}"])).Should().Be(0);
        var fromSelected = new StringWriter();
        new EvaluateCommand(fromSelected, TextWriter.Null).Run(new Arguments([.. common, "--attributions", $"m={s}"])).Should().Be(0);

        fromAll.ToString().Should().Be(fromSelected.ToString()).And.Contain("\"deletion_auc\"");
    }

    [Fact]
    public void A_nan_in_a_scored_class_map_names_the_file_the_row_and_the_class()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var y = Targets("Y.npy", 0, 1, 2);
        using var all = ones(3, 3, 12);
        all[1, 0, 4] = tensor(float.NaN); // not scored
        all[2, 2, 7] = tensor(float.PositiveInfinity); // row 2's target map: scored
        var a = P("ALL.npy");
        NpyFile.Write(a, all);

        var err = Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--attributions", a);

        err.Should().Be($"xwp evaluate: '{a}' has a non-finite value in row 2's map of class 2 (its target, which is scored), at index [2, 2, 7] " +
                        "(1 infinite value in the scored maps); it must hold finite numbers.");
    }

    [Fact]
    public void With_all_classes_every_class_map_is_scored_and_checked()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        using var all = ones(3, 3, 12);
        all[1, 0, 4] = tensor(float.NaN);
        var a = P("ALL.npy");
        NpyFile.Write(a, all);

        var err = Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--all-classes", "--attributions", a);

        err.Should().Be($"xwp evaluate: '{a}' has a non-finite value at index [1, 0, 4] (1 NaN value in the file); it must hold finite numbers.");
    }

    [Fact]
    public void Rows_past_the_limit_are_not_scored_and_not_checked()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var y = Targets("Y.npy", 0, 1, 2);
        using var maps = ones(3, 12);
        maps[2, 4] = tensor(float.NaN);
        var a = P("A.npy");
        NpyFile.Write(a, maps);
        string[] args = ["--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--attributions", a, "--json"];

        new EvaluateCommand(TextWriter.Null, TextWriter.Null).Run(new Arguments([.. args, "--limit", "2"])).Should().Be(0);
        Fails(1, new EvaluateCommand(), [.. args, "--limit", "3"]).Should().Be(
            $"xwp evaluate: '{a}' has a non-finite value at row 2, feature 4 (1 NaN value in the file); it must hold finite numbers.");
    }

    [Fact]
    public void Evaluate_reports_bad_targets_with_the_file_and_the_row()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var a = Inputs(3, 12, "A.npy");

        Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", Targets("short.npy", 0, 1), "--attributions", a)
            .Should().Be($"xwp evaluate: '{P("short.npy")}' has 2 rows but '{x}' has 3; give one class per input row.");
        Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", Targets("big.npy", 0, 1, 3), "--attributions", a)
            .Should().Be($"xwp evaluate: '{P("big.npy")}' row 2 holds class 3, but the model has 3 classes (0 to 2).");
    }

    [Fact]
    public void Evaluate_reports_a_map_of_the_wrong_shape_and_a_non_finite_removal_file()
    {
        var (init, trained) = Pair();
        var x = Inputs(3, 12);
        var y = Targets("Y.npy", 0, 1, 2);

        Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--attributions", Inputs(2, 12, "A2.npy"))
            .Should().Be($"xwp evaluate: '{P("A2.npy")}' has shape [2, 12]; expected the inputs' shape [3, 12], or [3, 3, 12] with one map per class of the model's 3 (as `xwp explain --all-classes` writes).");

        using var removal = zeros(12);
        removal[3] = tensor(float.NegativeInfinity);
        NpyFile.Write(P("R.npy"), removal);
        Fails(1, new EvaluateCommand(), "--initial", init, "--trained", trained, "--inputs", x, "--targets", y, "--attributions", Inputs(3, 12, "A.npy"), "--removal-value", P("R.npy"))
            .Should().Be($"xwp evaluate: '{P("R.npy")}' has a non-finite value at feature 3 (1 infinite value in the file); it must hold finite numbers.");
    }

    // ---------------------------------------------------------------- data and reproduce

    [Fact]
    public void Data_export_from_a_missing_or_broken_source_is_one_line()
    {
        Fails(1, new DataCommand(new StringWriter()), "export", "--dataset", "fashion-mnist", "--split", "test", "--path", P("nowhere"),
            "--inputs-out", P("X.npy"), "--targets-out", P("Y.npy")).Should().StartWith("xwp data: ").And.Contain(P("nowhere"));

        var csv = P("broken.csv");
        File.WriteAllText(csv, "names,labels,1,2\nArial,seven,0,0\n");
        Fails(1, new DataCommand(new StringWriter()), "export", "--dataset", "tmnist", "--split", "all", "--path", csv,
            "--inputs-out", P("X.npy"), "--targets-out", P("Y.npy")).Should().StartWith("xwp data: ").And.Contain(csv);
    }

    [Fact]
    public void Reproduce_from_a_broken_tmnist_file_is_one_line()
    {
        var csv = P("broken.csv");
        File.WriteAllText(csv, "names,labels,1,2\nArial,seven,0,0\n");

        Fails(1, new ReproduceCommand(), "--datasets", "tmnist-style", "--tmnist", csv, "--limit", "10", "--epochs", "1", "--out", P("report"))
            .Should().StartWith("xwp reproduce: ").And.Contain(csv);
    }

    // ---------------------------------------------------------------- the mapping itself

    public static TheoryData<Exception, int, string> Exceptions => new()
    {
        { new NotSupportedException("LRP needs ReLU."), FailureReport.Failed, "xwp explain: LRP needs ReLU." },
        { new XwpDataException("'t.csv' line 3: label 'x' is not a digit."), FailureReport.Failed, "xwp explain: 't.csv' line 3: label 'x' is not a digit." },
        { new InvalidDataException("bad file"), FailureReport.Failed, "xwp explain: bad file" },
        { new FormatException("not a number"), FailureReport.Failed, "xwp explain: not a number" },
        { new OverflowException("too big"), FailureReport.Failed, "xwp explain: too big" },
        { new UnauthorizedAccessException("Access to the path '/x' is denied."), FailureReport.Failed, "xwp explain: Access to the path '/x' is denied." },
        { new KeyNotFoundException("No method 'm'."), FailureReport.Failed, "xwp explain: No method 'm'." },
        { new DirectoryNotFoundException("no folder"), FailureReport.Failed, "xwp explain: no folder" },
        { new ArgumentOutOfRangeException("targets", "Class 9 is out of range."), FailureReport.Failed, "xwp explain: Class 9 is out of range." },
        { new ArgumentOutOfRangeException("steps", 0, "Steps must be at least 1."), FailureReport.Failed, "xwp explain: Steps must be at least 1." },
        { new ArgumentException("The batch is empty.", "inputs"), FailureReport.Failed, "xwp explain: The batch is empty." },
        { new ArgumentException("The 9×9 window does not fit in the 8×8 image.", "Window"), FailureReport.Failed, "xwp explain: --window: The 9×9 window does not fit in the 8×8 image." },
        { new InvalidOperationException("The model returns probabilities (ModelOutput.Probabilities), so its logits are unknown: use OutputSpace.Probabilities for this method."),
          FailureReport.Failed, "xwp explain: The model returns probabilities (--model-output probabilities), so its logits are unknown: use --output-space probabilities for this method." },
        { new InvalidOperationException("line one\nline two"), FailureReport.Failed, "xwp explain: line one line two" },
        { new XwpNativeLibraryException("libtorch is missing."), FailureReport.Failed, "xwp explain: libtorch is missing." },
        { new OperationCanceledException(), FailureReport.Cancelled, "xwp explain: cancelled." },
        { new OutOfMemoryException("no room"), FailureReport.Failed, "xwp explain: out of memory (no room); try a smaller --batch-size or --limit." },
        { new ExternalException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 bytes.\nframe #0"), FailureReport.Failed,
          "xwp explain: out of memory: [enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 bytes.; try a smaller --batch-size or --limit." },
        { new TypeInitializationException("Xwp.Native", new XwpNativeLibraryException("no libtorch")), FailureReport.Failed, "xwp explain: no libtorch" },
        { new AggregateException(new FormatException("bad row")), FailureReport.Failed, "xwp explain: bad row" },
        { new NullReferenceException("Object reference not set."), FailureReport.InternalError,
          "xwp explain: internal error: NullReferenceException: Object reference not set.. This is a defect in xwp; please report it with the command line (run with XWP_DEBUG=1 to print the stack trace)." },
        { new ObjectDisposedException("Tensor"), FailureReport.InternalError, "xwp explain: internal error: ObjectDisposedException: *please report*" },
        { new ArgumentNullException("inputs"), FailureReport.InternalError, "xwp explain: internal error: ArgumentNullException: *please report*" },
        { new ExternalException("Tensor invalid -- empty handle.\nframe #0"), FailureReport.InternalError, "xwp explain: internal error: ExternalException: Tensor invalid -- empty handle.. *please report*" },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Every_exception_type_maps_to_one_line_and_an_exit_code(Exception exception, int code, string line)
    {
        var errors = new StringWriter();
        var thrown = Throw(exception);

        var exit = FailureReport.Write(new ExplainCommand(), thrown, errors);

        exit.Should().Be(code);
        var lines = errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle().Which.Should().Match(line);
        errors.ToString().Should().NotContain("   at ");
    }

    [Fact]
    public void A_usage_mistake_prints_the_message_and_a_pointer_to_help_with_exit_code_2()
    {
        var errors = new StringWriter();

        var exit = FailureReport.Run(new ExplainCommand(), ["--model", "m.xwp", "--inputs", "X.npy", "--method", "xwp", "--out", "A.npy", "--layer-order", "a,,b"], errors);

        exit.Should().Be(FailureReport.Usage);
        var lines = errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2, "the whole usage (40 lines and more) would bury the message");
        lines[0].Should().StartWith("xwp explain: --layer-order takes the layer names from input to output, separated by commas");
        lines[1].Should().Be("Run 'xwp explain --help' for its options.");
    }

    /// <summary>Runs a command as the program does and returns its single line on standard error.</summary>
    private static string Fails(int expectedCode, ICommand command, params string[] args)
    {
        var errors = new StringWriter();
        var code = FailureReport.Run(command, args, errors);
        var text = errors.ToString();
        text.Should().NotContain("   at ", "no stack frames without XWP_DEBUG");
        code.Should().Be(expectedCode, text);
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle(text);
        return lines[0];
    }

    /// <summary>The exception as thrown (with a stack trace), as the program meets it.</summary>
    private static Exception Throw(Exception e)
    {
        try
        {
            throw e;
        }
        catch (Exception thrown)
        {
            return thrown;
        }
    }

    private (string Init, string Trained) Pair()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        return StateDictPair(model);
    }

    private (string Init, string Trained) StateDictPair(Fcnn model) =>
        (StateDicts.Save(model.Initial, P("init.pt")), StateDicts.Save(model.Trained, P("trained.pt")));

    private string Inputs(int rows, int features, string name = "X.npy")
    {
        using var x = TinyNets.SparseInputs(rows, features, 7);
        NpyFile.Write(P(name), x);
        return P(name);
    }

    private string Targets(string name, params long[] values)
    {
        using var y = tensor(values);
        NpyFile.Write(P(name), y);
        return P(name);
    }

    private string P(string name) => Path.Combine(_dir, name);
}
