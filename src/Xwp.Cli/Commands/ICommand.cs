namespace Xwp.Cli.Commands;

/// <summary>One `xwp` subcommand.</summary>
internal interface ICommand
{
    string Name { get; }

    string Summary { get; }

    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    int Run(Arguments args);
}
