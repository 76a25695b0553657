using Xwp;
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

try
{
    return command.Run(new Arguments(args.Skip(1)));
}
catch (UsageException e)
{
    Console.Error.WriteLine($"xwp {command.Name}: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(command.Usage);
    return 2;
}
catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or InvalidOperationException or XwpNativeLibraryException or IOException)
{
    Console.Error.WriteLine($"xwp {command.Name}: {e.Message}");
    return 1;
}
