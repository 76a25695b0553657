namespace Xwp.Cli.Commands;

/// <summary>`xwp info`: versions, the native library in use, threads.</summary>
internal sealed class InfoCommand : ICommand
{
    public string Name => "info";

    public string Summary => "Show the runtime: native library, threads and their wait policy, versions.";

    public string Usage => "Usage: xwp info";

    public int Run(Arguments args)
    {
        args.RejectUnknown();
        Console.WriteLine($"Xwp {typeof(Fcnn).Assembly.GetName().Version}");
        Console.WriteLine($"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}");
        Console.WriteLine(XwpRuntime.NativeLibraryDescription);
        Console.WriteLine($"Torch threads: {XwpRuntime.Threads} of at most {XwpRuntime.MaxThreads} (XWP_NUM_THREADS or a command's --threads changes it)");
        Console.WriteLine(XwpRuntime.WaitPolicyDescription);
        Console.WriteLine($"CUDA available: {TorchSharp.torch.cuda.is_available()}");
        return 0;
    }
}
