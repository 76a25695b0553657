using FluentAssertions;
using TorchSharp.PyBridge;
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

    [Theory]
    [InlineData(new[] { "--inputs", "x.npy", "--out", "a.npy", "--method", "xwp" }, "*--initial and --trained, or --model*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--out", "a.npy", "--method", "nosuch" }, "*--method must be one of xwp, xwpc*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--out", "a.npy", "--method", "xwp", "--colour", "red" }, "*Unknown option(s): --colour*")]
    [InlineData(new[] { "--model", "m", "--out", "a.npy", "--method", "xwp" }, "*--inputs is required*")]
    public void Usage_mistakes_name_the_option(string[] args, string message)
    {
        var act = () => new ExplainCommand().Run(new Arguments(args));
        act.Should().Throw<UsageException>().WithMessage(message);
    }

    private string SaveStateDict(Xwp.Models.FcnnSnapshot snapshot, string name)
    {
        var path = Path.Combine(_dir, name);
        var dict = new Dictionary<string, Tensor>();
        for (var i = 0; i < snapshot.Weights.Count; i++)
        {
            dict[$"{2 * i}.weight"] = snapshot.Weights[i];
            dict[$"{2 * i}.bias"] = snapshot.Biases[i];
        }

        PyTorchPickler.PickleStateDict(path, dict);
        return path;
    }
}
