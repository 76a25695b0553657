using System.Runtime.InteropServices;
using Xwp.Cli.Commands;

namespace Xwp.Cli;

/// <summary>
/// Turns an exception that ends a command into one line on standard error and an exit code. Expected
/// failures (bad files, bad values, missing resources, unsupported combinations) print their message;
/// anything else is a defect in xwp and says so. The stack trace is printed only when the environment
/// variable <c>XWP_DEBUG</c> is <c>1</c>.
/// </summary>
internal static class FailureReport
{
    /// <summary>Exit code of bad input, a missing or unreadable file, or an unsupported request.</summary>
    public const int Failed = 1;

    /// <summary>Exit code of a mistake on the command line (printed with a pointer to the command's --help).</summary>
    public const int Usage = 2;

    /// <summary>Exit code of a defect in xwp itself (sysexits' EX_SOFTWARE).</summary>
    public const int InternalError = 70;

    /// <summary>Exit code after Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>The environment variable that adds the stack trace to every failure.</summary>
    public const string DebugVariable = "XWP_DEBUG";

    /// <summary>Runs <paramref name="command"/> on its arguments; any failure becomes one line on <paramref name="errors"/> and an exit code.</summary>
    public static int Run(ICommand command, IEnumerable<string> args, TextWriter errors)
    {
        try
        {
            return command.Run(new Arguments(args));
        }
        catch (Exception e)
        {
            return Write(command, e, errors);
        }
    }

    /// <summary>Writes the failure of <paramref name="command"/> to <paramref name="errors"/> and returns the exit code.</summary>
    public static int Write(ICommand command, Exception e, TextWriter errors)
    {
        var prefix = $"xwp {command.Name}: ";
        var (code, message) = Classify(e);
        errors.WriteLine(prefix + message);
        if (code == Usage)
        {
            // The message is what the user must read; the whole usage (40 to 80 lines) would scroll it away.
            errors.WriteLine(HelpHint(command.Name));
        }

        if (Debug)
        {
            errors.WriteLine(e.ToString());
        }

        return code;
    }

    /// <summary>The line after a usage error that says where the command's options are listed.</summary>
    public static string HelpHint(string command) => $"Run 'xwp {command} --help' for its options.";

    /// <summary>Whether <c>XWP_DEBUG=1</c> (or <c>true</c>) asks for stack traces.</summary>
    public static bool Debug => Environment.GetEnvironmentVariable(DebugVariable) is "1" or "true";

    /// <summary>The exit code and the one-line message for an exception.</summary>
    internal static (int Code, string Message) Classify(Exception e) => e switch
    {
        // Wrappers (a failed static constructor, a failed parallel task) report what they wrap.
        TypeInitializationException or System.Reflection.TargetInvocationException when e.InnerException is not null => Classify(e.InnerException),
        AggregateException { InnerExceptions.Count: 1 } a => Classify(a.InnerExceptions[0]),
        UsageException => (Usage, OneLine(e.Message)),
        OperationCanceledException => (Cancelled, "cancelled."),

        // Defects that happen to derive from expected types come first.
        ArgumentNullException or ObjectDisposedException => Internal(e),

        // A model that fails on the inputs (a TorchScript shape error, a tuple output): the inputs or the model are wrong.
        ModelForwardException => (Failed, OneLine(e.Message)),

        // .NET's argument messages end in " (Parameter 'x')" and "Actual value was 1.": the CLI user never named x.
        // Where a flag sets the option the library names, the message starts with the flag.
        ArgumentException a when ExplainMethods.FlagFor(a.ParamName) is { } flag => (Failed, $"{flag}: {OneLine(WithoutParameter(a))}"),
        ArgumentException a => (Failed, OneLine(WithoutParameter(a))),

        // Files: missing, unreadable, damaged, not allowed, or data the library refuses.
        XwpNativeLibraryException or IOException or InvalidDataException or UnauthorizedAccessException
            or ArgumentException or InvalidOperationException or NotSupportedException
            or FormatException or OverflowException or KeyNotFoundException => (Failed, OneLine(e.Message)),
        OutOfMemoryException =>
            (Failed, $"out of memory ({OneLine(e.Message)}); try a smaller --batch-size or --limit."),

        // libtorch reports its own errors as ExternalException, with a C++ backtrace after the first line.
        ExternalException when e.Message.Contains("can't allocate memory", StringComparison.Ordinal) =>
            (Failed, $"out of memory: {FirstLine(e.Message)}; try a smaller --batch-size or --limit."),
        _ => Internal(e),
    };

    private static (int, string) Internal(Exception e) =>
        (InternalError,
         $"internal error: {e.GetType().Name}: {FirstLine(e.Message)}. This is a defect in xwp; please report it with the " +
         $"command line (run with {DebugVariable}=1 to print the stack trace).");

    /// <summary>
    /// Library names of settings, as the CLI user writes them: a message that says "use OutputSpace.Probabilities"
    /// means `--output-space probabilities` on the command line.
    /// </summary>
    private static readonly (string Api, string Flag)[] CliNames =
    [
        ("OutputSpace.Probabilities", "--output-space probabilities"),
        ("OutputSpace.Logits", "--output-space logits"),
        ("ModelOutput.Probabilities", "--model-output probabilities"),
        ("ModelOutput.Logits", "--model-output logits"),
        (Xwp.Models.FirstLinear.LayerArgument, "--first-layer NAME"),
    ];

    /// <summary>The message on one line (messages that wrap an inner message may hold line breaks), with library setting names as CLI flags.</summary>
    private static string OneLine(string message)
    {
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var (api, flag) in CliNames)
        {
            line = line.Replace(api, flag, StringComparison.Ordinal);
        }

        return line;
    }

    /// <summary>
    /// An argument exception's own text: without the " (Parameter 'x')" that <see cref="ArgumentException.Message"/>
    /// appends and the "Actual value was …" line of <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    internal static string WithoutParameter(ArgumentException e)
    {
        var text = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: not null })
        {
            var lastBreak = text.LastIndexOf('\n');
            if (lastBreak >= 0)
            {
                text = text[..lastBreak].TrimEnd('\r');
            }
        }

        var suffix = $" (Parameter '{e.ParamName}')";
        return e.ParamName is not null && text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text;
    }

    private static string FirstLine(string message) =>
        message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
}
