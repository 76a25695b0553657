using System.Diagnostics;
using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// The real <c>xwp</c> program in a child process with standard output and error redirected to pipes, as a
/// script or CI runs it, over several batches (the way <c>explain</c> used to abort with exit code 134).
/// </summary>
public sealed class RedirectedCliTests : IClassFixture<RedirectedCliTests.Files>
{
    private readonly Files _files;

    public RedirectedCliTests(Files files) => _files = files;

    public static TheoryData<string, string[]> Methods => new()
    {
        { "saliency", [] },
        { "xwpc", [] },
        { "lrp", [] },
        { "occlusion", ["--image-shape", "28,28", "--window", "14,14", "--stride", "14,14"] },
        { "rise", ["--masks", "8", "--grid", "4"] },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Explain_over_several_batches_with_redirected_output_writes_the_map(string method, string[] flags)
    {
        var outPath = _files.P($"A-{method}.npy");

        var (code, stdout, stderr) = Xwp(
            ["explain", "--initial", _files.Init, "--trained", _files.Trained, "--inputs", _files.X, "--targets", _files.Y,
             "--method", method, "--batch-size", "1", "--out", outPath, .. flags]);

        code.Should().Be(0, stderr);
        stdout.Should().Be($"Wrote {method} attributions [3, 784] to {outPath}.\n");
        stderr.Should().Be($"{method}: 3/3 inputs ({stderr.Split('(')[1]}", "one line, for the last batch, on a run shorter than 5 s");
        using var map = NpyFile.Read(outPath);
        map.shape.Should().Equal(3, 784);
        map.isfinite().all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Evaluate_over_several_batches_with_redirected_output_prints_the_table()
    {
        var (code, stdout, stderr) = Xwp(
            ["explain", "--initial", _files.Init, "--trained", _files.Trained, "--inputs", _files.X, "--method", "input-magnitude", "--out", _files.P("M.npy")]);
        code.Should().Be(0, stderr);

        (code, stdout, stderr) = Xwp(
            ["evaluate", "--initial", _files.Init, "--trained", _files.Trained, "--inputs", _files.X, "--targets", _files.Y,
             "--attributions", _files.P("M.npy"), "--batch-size", "1", "--metrics", "deletion-auc,average-drop", "--json"]);

        code.Should().Be(0, stderr);
        stdout.Should().StartWith("{").And.Contain("\"deletion_auc\"").And.Contain("\"average_drop\"");
        stderr.Should().BeEmpty();
    }

    [Fact]
    public void The_same_file_as_initial_and_trained_warns_that_xwp_is_zero_and_still_runs()
    {
        var outPath = _files.P("A-same.npy");

        var (code, _, stderr) = Xwp(
            ["explain", "--initial", _files.Trained, "--trained", _files.Trained, "--inputs", _files.X, "--method", "xwp", "--out", outPath]);

        code.Should().Be(0, stderr);
        stderr.Should().StartWith($"xwp: warning: --initial and --trained name the same file, '{_files.Trained}', so every XWP and XWP^c score will be 0");
        using var map = NpyFile.Read(outPath);
        map.abs().max().item<float>().Should().Be(0f, "θ⁰ = θ: swapping a feature's weights changes nothing");

        var copy = _files.P("copy.pt");
        File.Copy(_files.Trained, copy, overwrite: true);
        (code, _, stderr) = Xwp(["explain", "--initial", copy, "--trained", _files.Trained, "--inputs", _files.X, "--method", "saliency", "--out", outPath]);
        code.Should().Be(0, stderr);
        stderr.Should().StartWith($"xwp: warning: --initial '{copy}' and --trained '{_files.Trained}' hold identical weights");
    }

    [Fact]
    public void A_failure_is_one_line_without_a_stack_trace_unless_XWP_DEBUG_is_set()
    {
        string[] args = ["explain", "--initial", _files.Init, "--trained", _files.Trained, "--inputs", _files.P("missing.npy"), "--method", "xwp", "--out", _files.P("A.npy")];

        var (code, stdout, stderr) = Xwp(args);
        code.Should().Be(1);
        stdout.Should().BeEmpty();
        stderr.Should().Be($"xwp explain: The .npy file '{_files.P("missing.npy")}' does not exist.\n");

        (code, _, stderr) = Xwp(args, debug: true);
        code.Should().Be(1);
        stderr.Should().StartWith($"xwp explain: The .npy file '{_files.P("missing.npy")}' does not exist.\n")
            .And.Contain("System.IO.FileNotFoundException").And.Contain("   at ");
    }

    /// <summary>Runs the xwp program (the app host next to the tests, else <c>dotnet Xwp.Cli.dll</c>) with redirected output.</summary>
    private static (int Code, string Stdout, string Stderr) Xwp(string[] args, bool debug = false)
    {
        var host = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Xwp.Cli.exe" : "Xwp.Cli");
        var start = File.Exists(host) ? new ProcessStartInfo(host) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Xwp.Cli.dll") } };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.Environment["XWP_NUM_THREADS"] = "1";
        start.Environment["OMP_WAIT_POLICY"] = "passive";
        start.Environment.Remove("XWP_DEBUG");
        if (debug)
        {
            start.Environment["XWP_DEBUG"] = "1";
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"xwp {string.Join(' ', args)} did not finish.");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Three exported rows and a 784-6-10 network as PyTorch state_dicts, made once for the class.</summary>
    public sealed class Files : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-redirect-").FullName;

        public Files()
        {
            X = P("X.npy");
            Y = P("Y.npy");
            var (code, stdout, stderr) = Xwp(
                ["data", "export", "--dataset", "embedded", "--split", "test", "--limit", "3", "--inputs-out", X, "--targets-out", Y]);
            code.Should().Be(0, stderr);
            stdout.Should().EndWith($"Wrote 3 rows: '{X}' (float32 [3, 784]) and '{Y}' (int64 [3]).\n");
            stderr.Should().BeEmpty();

            using var model = TinyNets.RandomTrained([784, 6, 10], 5);
            Init = StateDicts.Save(model.Initial, P("init.pt"));
            Trained = StateDicts.Save(model.Trained, P("trained.pt"));
        }

        public string X { get; }

        public string Y { get; }

        public string Init { get; }

        public string Trained { get; }

        public string P(string name) => Path.Combine(_dir, name);

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
