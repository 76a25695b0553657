using System.Reflection;
using Xwp.Cli.Commands;

namespace Xwp.Cli;

/// <summary>
/// What `xwp` does with its arguments before a command runs: the overview (`xwp`, `xwp --help`), the version
/// (`xwp --version`, `xwp version`; `xwp COMMAND --version` is refused), a command's usage (`xwp COMMAND --help`), or the command itself.
/// </summary>
internal static class TopLevel
{
    /// <summary>
    /// The version `xwp --version` prints: the assembly's informational version (the package version, followed by
    /// <c>+</c> and the source commit when the build knows it).
    /// </summary>
    public static string Version =>
        typeof(TopLevel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(TopLevel).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Runs the program on <paramref name="args"/>; returns the exit code.</summary>
    /// <param name="args">The command line after `xwp`.</param>
    /// <param name="output">Standard output (the overview, the version, a command's usage).</param>
    /// <param name="errors">Standard error (every failure, one line).</param>
    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        var commands = new ICommand[]
        {
            new ReproduceCommand(), new ExplainCommand(), new EvaluateCommand(), new DataCommand(),
            new BenchCommand(), new BenchEvaluationCommand(), new InfoCommand(),
        };

        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine("xwp — explain fully connected networks with XWP, XWP^c and baselines.");
            output.WriteLine();
            output.WriteLine("Commands:");
            foreach (var c in commands)
            {
                output.WriteLine($"  {c.Name,-10} {c.Summary}");
            }

            output.WriteLine();
            output.WriteLine("Run 'xwp <command> --help' for a command's options, 'xwp --version' for the version.");
            output.WriteLine();
            output.WriteLine("A failure prints one line on standard error and exits with 1 (bad input, a file that cannot be read");
            output.WriteLine("or written), 2 (a mistake on the command line), 70 (a defect in xwp: please report it) or 130");
            output.WriteLine($"(cancelled). Set {FailureReport.DebugVariable}=1 to print the stack trace as well.");
            return args.Length == 0 ? FailureReport.Usage : 0;
        }

        if (args[0] is "--version" or "version")
        {
            if (args.Length > 1)
            {
                errors.WriteLine($"xwp: {args[0]} takes no arguments; '{args[1]}' would be ignored.");
                return FailureReport.Usage;
            }

            output.WriteLine($"xwp {Version}");
            return 0;
        }

        var command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            errors.WriteLine($"xwp: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Select(c => c.Name))}.");
            return FailureReport.Usage;
        }

        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            output.WriteLine(command.Usage);
            return 0;
        }

        if (args.Skip(1).Any(a => a == "--version" || a.StartsWith("--version=", StringComparison.Ordinal)))
        {
            // The version is xwp's, not a command's: refused (rather than printed) so that a stray --version in a
            // long command line does not silently skip the command, and the same way for every command.
            errors.WriteLine($"xwp {command.Name}: --version is an option of xwp itself, not of '{command.Name}'; run 'xwp --version'.");
            errors.WriteLine(FailureReport.HelpHint(command.Name));
            return FailureReport.Usage;
        }

        // One line and a non-zero exit for every failure; the stack trace only with XWP_DEBUG=1.
        return FailureReport.Run(command, args.Skip(1), errors);
    }
}
