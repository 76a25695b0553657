using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.Data;

namespace Xwp.Tests.Cli;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var code = new DataCommand(output).Run(new Arguments(args));
        return (code, output.ToString());
    }

    [Fact]
    public void Export_of_the_embedded_test_split_writes_what_the_api_loads()
    {
        var x = Path.Combine(_dir, "X.npy");
        var y = Path.Combine(_dir, "Y.npy");
        var (code, output) = Run("export", "--dataset", "embedded", "--split", "test", "--limit", "25", "--inputs-out", x, "--targets-out", y);

        code.Should().Be(0);
        output.Should().Contain("Source: TMNIST-style digits embedded in Xwp.Data").And.Contain("Wrote 25 rows");
        using var inputs = NpyFile.Read(x);
        using var targets = NpyFile.Read(y);
        inputs.shape.Should().Equal(25, 784);
        inputs.dtype.Should().Be(torch.ScalarType.Float32);
        targets.shape.Should().Equal(25);
        targets.dtype.Should().Be(torch.ScalarType.Int64);
        using var expected = Datasets.EmbeddedTmnistStyle(DatasetSplit.Test);
        using var first = expected.Images[..25];
        inputs.allclose(first, rtol: 0, atol: 0).Should().BeTrue();
        targets.data<long>().ToArray().Should().Equal(expected.Labels.data<long>().ToArray().Take(25));
    }

    [Fact]
    public void Export_of_fashion_mnist_from_a_folder_keeps_file_order()
    {
        DataFiles.WriteFashionFolder(_dir, train: 4, test: 2, gzip: true);
        var x = Path.Combine(_dir, "X.npy");
        var y = Path.Combine(_dir, "Y.npy");
        Run("export", "--dataset", "fashion-mnist", "--split", "all", "--path", _dir, "--inputs-out", x, "--targets-out", y).Code.Should().Be(0);
        using var targets = NpyFile.Read(y);
        targets.data<long>().ToArray().Should().Equal(0, 1, 2, 3, 9, 8);
        using var inputs = NpyFile.Read(x);
        // Image 3, pixel 0 is 7·3 = 21 -> 21/255.
        inputs[3, 0].ToSingle().Should().Be(21f / 255f);
    }

    [Fact]
    public void Info_prints_the_source_the_counts_per_class_and_the_fonts()
    {
        var (code, output) = Run("info", "--dataset", "embedded");
        code.Should().Be(0);
        output.Should().Contain("Dataset: TMNIST-style");
        output.Should().Contain("Per class:");
        output.Should().MatchRegex(@"Fonts: \d+ distinct digit sets from \d+ font families");
        output.Should().MatchRegex(@"Split by font \(test fraction 0\.2, seed 0\): train \d+ fonts, \d+ images; test \d+ fonts, \d+ images");
    }

    [Fact]
    public void Info_on_fashion_mnist_counts_train_and_test()
    {
        DataFiles.WriteFashionFolder(_dir, train: 3, test: 2, gzip: false);
        var (_, output) = Run("info", "--dataset", "fashion-mnist", "--path", _dir);
        output.Should().Contain("Dataset: Fashion-MNIST (train)").And.Contain("Dataset: Fashion-MNIST (test)");
        output.Should().Contain("  9 Ankle boot   1");
    }

    [Fact]
    public void A_bad_file_is_reported_with_its_name()
    {
        var csv = Path.Combine(_dir, "t.csv");
        File.WriteAllText(csv, "names,labels,1\n");
        var act = () => Run("info", "--dataset", "tmnist", "--path", csv);
        act.Should().Throw<XwpDataException>().WithMessage($"'{csv}': missing columns*");
    }

    [Theory]
    [InlineData(new[] { "--dataset", "embedded" }, "*Say what to do: export, info or build-embedded*")]
    [InlineData(new[] { "frobnicate" }, "*Unknown data command 'frobnicate'*")]
    [InlineData(new[] { "export", "--dataset", "embedded", "--inputs-out", "x", "--targets-out", "y" }, "*--split is required*")]
    [InlineData(new[] { "export", "--dataset", "mnist", "--split", "all", "--inputs-out", "x", "--targets-out", "y" }, "*--dataset must be one of fashion-mnist, tmnist, tmnist-style, embedded*")]
    [InlineData(new[] { "info" }, "*--dataset is required*")]
    [InlineData(new[] { "info", "--dataset", "embedded", "--path", "p" }, "*--path does not apply to --dataset embedded*")]
    [InlineData(new[] { "info", "--dataset", "embedded", "--test-fraction", "1.5" }, "*--test-fraction must be a number between 0 and 1*")]
    [InlineData(new[] { "info", "--dataset", "embedded", "--colour", "red" }, "*Unknown option(s): --colour*")]
    public void Usage_mistakes_name_the_option(string[] args, string message)
    {
        var act = () => Run(args);
        act.Should().Throw<UsageException>().WithMessage(message);
    }

    [Fact]
    public void Other_commands_still_reject_a_leading_word()
    {
        var act = () => new InfoCommand().Run(new Arguments(["extra"]));
        act.Should().Throw<UsageException>().WithMessage("Unexpected argument 'extra'.");
    }
}
