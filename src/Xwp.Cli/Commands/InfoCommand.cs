namespace Xwp.Cli.Commands;

/// <summary>`xwp info`: versions, the native library in use, threads.</summary>
internal sealed class InfoCommand : ICommand
{
    public string Name => "info";

    public string Summary => "Show the runtime: native library, threads, versions.";

    public string Usage => "Usage: xwp info";

    public int Run(Arguments args)
    {
        args.RejectUnknown();
        Console.WriteLine($"Xwp {typeof(Fcnn).Assembly.GetName().Version}");
        Console.WriteLine($"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}");
        Console.WriteLine(XwpRuntime.NativeLibraryDescription);
        Console.WriteLine($"Torch threads: {XwpRuntime.Threads} (set XWP_NUM_THREADS to change)");
        Console.WriteLine($"CUDA available: {TorchSharp.torch.cuda.is_available()}");
        return 0;
    }
}
