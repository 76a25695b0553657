using System.Diagnostics;
using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.IO;
using Xwp.Tests.Native;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// Every command checks its outputs before it works, never replaces a FIFO or device, writes through
/// symbolic links, and refuses thread counts above the machine's logical cores.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- checked before any work ------------------------------------------------------------------
    // The model and input files named below do not exist: had a command read them before checking its
    // outputs, it would fail with FileNotFoundException about them instead.

    [Fact]
    public void Explain_reports_a_missing_output_folder_before_reading_the_model()
    {
        var outPath = Path.Combine(_dir, "no-such-folder", "A.npy");

        var act = () => new ExplainCommand().Run(new Arguments(
            ["--model", Missing("m.xwp"), "--inputs", Missing("X.npy"), "--method", "saliency", "--out", outPath]));

        act.Should().Throw<DirectoryNotFoundException>()
            .WithMessage($"--out: Cannot write '{outPath}': the folder '{Path.Combine(_dir, "no-such-folder")}' does not exist.");
    }

    [LinuxFact]
    public void Evaluate_refuses_a_fifo_as_curves_out_before_reading_the_model_and_leaves_it()
    {
        var fifo = MakeFifo("curves");

        var act = () => new EvaluateCommand(TextWriter.Null, TextWriter.Null).Run(new Arguments(
            ["--model", Missing("m.xwp"), "--inputs", Missing("X.npy"), "--targets", Missing("Y.npy"),
             "--attributions", Missing("A.npy"), "--curves-out", fifo]));

        act.Should().Throw<IOException>().WithMessage($"--curves-out: Cannot write '{fifo}': it is a FIFO (named pipe), not a regular file.*");
        FileKinds.Of(fifo).Should().Be(FileKind.Fifo);
    }

    [LinuxFact]
    public void Data_export_refuses_a_fifo_before_loading_the_dataset()
    {
        var fifo = MakeFifo("targets");

        var act = () => new DataCommand(TextWriter.Null).Run(new Arguments(
            ["export", "--dataset", "fashion-mnist", "--path", Missing("fashion"), "--split", "test",
             "--inputs-out", Path.Combine(_dir, "X.npy"), "--targets-out", fifo]));

        act.Should().Throw<IOException>().WithMessage($"--targets-out: Cannot write '{fifo}': it is a FIFO*");
        Directory.GetFileSystemEntries(_dir).Should().Equal(fifo);
    }

    [Fact]
    public void Data_export_refuses_one_file_for_both_outputs()
    {
        var same = Path.Combine(_dir, "X.npy");

        var act = () => new DataCommand(TextWriter.Null).Run(new Arguments(
            ["export", "--dataset", "embedded", "--split", "test", "--inputs-out", same, "--targets-out", same]));

        act.Should().Throw<UsageException>().WithMessage("--inputs-out and --targets-out name the same file*");
    }

    [Fact]
    public void Reproduce_refuses_a_file_as_its_report_folder_before_training()
    {
        var file = Path.Combine(_dir, "report");
        File.WriteAllText(file, "not a folder");

        var act = () => new ReproduceCommand().Run(new Arguments(["--datasets", "tmnist-style", "--limit", "10", "--out", file]));

        act.Should().Throw<IOException>().WithMessage($"--out: '{file}' is a regular file, not a folder.");
        File.ReadAllText(file).Should().Be("not a folder");
    }

    [Fact]
    public void Build_embedded_checks_all_three_outputs_before_rendering()
    {
        var notice = Path.Combine(_dir, "missing", "NOTICE");

        var act = () => new DataCommand(TextWriter.Null).Run(new Arguments(
            ["build-embedded", "--out", Path.Combine(_dir, "d.xwpd.gz"), "--path", Missing("fonts"), "--notice", notice]));

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"--notice: Cannot write '{notice}'*does not exist.");
        Directory.GetFileSystemEntries(_dir).Should().BeEmpty();
    }

    // ---- symbolic links and both-or-neither ---------------------------------------------------------

    [LinuxFact]
    public void Explain_writes_through_a_symlink_given_as_out()
    {
        using var model = TinyNets.RandomTrained([6, 4, 3], 2);
        var modelPath = Path.Combine(_dir, "m.xwp");
        model.Save(modelPath);
        using var x = TinyNets.SparseInputs(3, 6, 1);
        var inputs = Path.Combine(_dir, "X.npy");
        NpyFile.Write(inputs, x);
        var target = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, "maps")).FullName, "A.npy");
        var link = Path.Combine(_dir, "A-link.npy");
        File.CreateSymbolicLink(link, target);

        new ExplainCommand().Run(new Arguments(["--model", modelPath, "--inputs", inputs, "--method", "saliency", "--out", link]))
            .Should().Be(0);

        new FileInfo(link).LinkTarget.Should().Be(target);
        using var written = NpyFile.Read(target);
        using var expected = model.Explain(x).Using(Attributions.Saliency()).Compute();
        TensorAssert.Close(written, expected, 1e-6);
    }

    [Fact]
    public void Data_export_leaves_an_existing_inputs_file_alone_when_targets_out_cannot_be_written()
    {
        var inputsOut = Path.Combine(_dir, "X.npy");
        File.WriteAllText(inputsOut, "old inputs");
        var targetsOut = Path.Combine(_dir, "gone", "Y.npy");

        var act = () => new DataCommand(TextWriter.Null).Run(new Arguments(
            ["export", "--dataset", "embedded", "--split", "test", "--limit", "5", "--inputs-out", inputsOut, "--targets-out", targetsOut]));

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"--targets-out: Cannot write '{targetsOut}'*");
        File.ReadAllText(inputsOut).Should().Be("old inputs");
        Directory.GetFileSystemEntries(_dir).Should().Equal(inputsOut);
    }

    [Fact]
    public void Data_export_writes_both_files()
    {
        var inputsOut = Path.Combine(_dir, "X.npy");
        var targetsOut = Path.Combine(_dir, "Y.npy");

        new DataCommand(TextWriter.Null).Run(new Arguments(
            ["export", "--dataset", "embedded", "--split", "test", "--limit", "5", "--inputs-out", inputsOut, "--targets-out", targetsOut]))
            .Should().Be(0);

        using var x = NpyFile.Read(inputsOut);
        using var y = NpyFile.Read(targetsOut);
        x.shape.Should().Equal(5, 784);
        y.shape.Should().Equal(5);
        Directory.GetFileSystemEntries(_dir).Should().BeEquivalentTo([inputsOut, targetsOut]);
    }

    // ---- threads ------------------------------------------------------------------------------------

    [Fact]
    public void Threads_above_the_logical_cores_are_refused_by_every_command_before_any_work()
    {
        var tooMany = (XwpRuntime.MaxThreads + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var expected = $"--threads must be an integer from 1 to {XwpRuntime.MaxThreads} (the logical cores this process may use), not '{tooMany}'.";
        var before = XwpRuntime.Threads;
        ICommand[] commands = [new ExplainCommand(), new EvaluateCommand(TextWriter.Null, TextWriter.Null), new ReproduceCommand(), new BenchCommand(), new BenchEvaluationCommand()];

        foreach (var command in commands)
        {
            var args = command.Name switch
            {
                "explain" => new[] { "--model", Missing("m.xwp"), "--inputs", Missing("X.npy"), "--method", "xwp", "--out", Missing("A.npy") },
                "evaluate" => ["--model", Missing("m.xwp"), "--inputs", Missing("X.npy"), "--targets", Missing("Y.npy"), "--attributions", Missing("A.npy")],
                "reproduce" => ["--out", Missing("report")],
                _ => [],
            };
            var act = () => command.Run(new Arguments([.. args, "--threads", tooMany]));
            act.Should().Throw<UsageException>().WithMessage(expected, $"xwp {command.Name} must refuse it");
        }

        new Arguments(["--threads", "100000"]).Invoking(a => a.Threads(0)).Should().Throw<UsageException>().WithMessage("*not '100000'.");
        new Arguments(["--threads", "0"]).Invoking(a => a.Threads(0)).Should().Throw<UsageException>();
        new Arguments(["--threads", "1"]).Threads(0).Should().Be(1);
        new Arguments([]).Threads(7).Should().Be(7);
        XwpRuntime.Threads.Should().Be(before, "nothing was applied");
        Directory.GetFileSystemEntries(_dir).Should().BeEmpty("reproduce created no report folder");
    }

    [Fact]
    public void XwpRuntime_refuses_more_threads_than_logical_cores_and_a_bad_XWP_NUM_THREADS()
    {
        var before = XwpRuntime.Threads;

        var act = () => XwpRuntime.Threads = XwpRuntime.MaxThreads + 1;

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"Torch threads must be from 1 to {XwpRuntime.MaxThreads}*");
        ((Action)(() => XwpRuntime.Threads = 0)).Should().Throw<ArgumentOutOfRangeException>();
        XwpRuntime.Threads.Should().Be(before);
        XwpRuntime.MaxThreads.Should().Be(Environment.ProcessorCount);

        XwpRuntime.ThreadsFromEnvironment(null).Should().BeNull();
        XwpRuntime.ThreadsFromEnvironment(" ").Should().BeNull();
        XwpRuntime.ThreadsFromEnvironment("1").Should().Be(1);
        XwpRuntime.ThreadsFromEnvironment(XwpRuntime.MaxThreads.ToString(System.Globalization.CultureInfo.InvariantCulture)).Should().Be(XwpRuntime.MaxThreads);
        foreach (var bad in new[] { "0", "-1", "two", "100000" })
        {
            ((Action)(() => XwpRuntime.ThreadsFromEnvironment(bad))).Should().Throw<XwpNativeLibraryException>()
                .WithMessage($"XWP_NUM_THREADS must be an integer from 1 to {XwpRuntime.MaxThreads}*not '{bad}'.");
        }
    }

    private string Missing(string name) => Path.Combine(_dir, "absent-" + name);

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_dir, name);
        using var process = Process.Start("mkfifo", [path]);
        process.WaitForExit();
        process.ExitCode.Should().Be(0);
        return path;
    }
}
