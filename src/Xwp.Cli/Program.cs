using Xwp.Cli;
using Xwp.Cli.Commands;

var commands = new ICommand[]
{
    new ReproduceCommand(), new ExplainCommand(), new EvaluateCommand(), new DataCommand(),
    new BenchCommand(), new BenchEvaluationCommand(), new InfoCommand(),
};

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("xwp — explain fully connected networks with XWP, XWP^c and baselines.");
    Console.WriteLine();
    Console.WriteLine("Commands:");
    foreach (var c in commands)
    {
        Console.WriteLine($"  {c.Name,-10} {c.Summary}");
    }

    Console.WriteLine();
    Console.WriteLine("Run 'xwp <command> --help' for a command's options.");
    Console.WriteLine();
    Console.WriteLine("A failure prints one line on standard error and exits with 1 (bad input, a file that cannot be read");
    Console.WriteLine("or written), 2 (a mistake on the command line), 70 (a defect in xwp: please report it) or 130");
    Console.WriteLine($"(cancelled). Set {FailureReport.DebugVariable}=1 to print the stack trace as well.");
    return args.Length == 0 ? 2 : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"xwp: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Select(c => c.Name))}.");
    return 2;
}

if (args.Skip(1).Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(command.Usage);
    return 0;
}

// One line and a non-zero exit for every failure; the stack trace only with XWP_DEBUG=1.
return FailureReport.Run(command, args.Skip(1), Console.Error);
