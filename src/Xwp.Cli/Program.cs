using Xwp.Cli;

return TopLevel.Run(args, Console.Out, Console.Error);
