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

        line.Should().Be($"xwp explain: '{inputs}' holds inputs of shape [4, 1, 8, 8], which the model cannot take: " +
                         "mat1 and mat2 shapes cannot be multiplied (8x8 and 6x8)");
        File.Exists(outPath).Should().BeFalse();
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
}
