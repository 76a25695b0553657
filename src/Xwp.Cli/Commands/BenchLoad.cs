using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Xwp.Cli.Commands;

/// <summary>
/// `xwp bench --load`: how much a busy core slows `xwp reproduce`. The same reproduction runs twice
/// as a child process with its default settings, each into a fresh folder (a rerun into the same
/// folder would reuse saved models and maps): once on an idle machine, once while another child
/// process spins on one core. The busy child is started and stopped by the bench, and it also stops
/// by itself when the bench is gone.
/// </summary>
internal static class BenchLoad
{
    /// <summary>The children running now, stopped if the bench is terminated (SIGTERM) before its own clean-up runs.</summary>
    private static readonly List<Process> Children = [];

    private static volatile bool _terminated;

    public static int Run(Arguments args)
    {
        var limit = args.Int("limit", 100, min: 1);
        var datasets = args.Optional("datasets");
        var epochs = args.Optional("epochs") is null ? (int?)null : args.Int("epochs", 10, min: 1);
        var json = args.Flag("json");
        args.RejectUnknown();

        var reproduce = new List<string> { "reproduce", "--limit", limit.ToString(CultureInfo.InvariantCulture) };
        if (datasets is not null)
        {
            reproduce.AddRange(["--datasets", datasets]);
        }

        if (epochs is { } e)
        {
            reproduce.AddRange(["--epochs", e.ToString(CultureInfo.InvariantCulture)]);
        }

        var shown = "xwp " + string.Join(' ', reproduce);
        // Ctrl+C reaches the children through the terminal; a SIGTERM or SIGHUP sent to the bench alone does not.
        // The handler stops the children and lets the run end as cancelled, so the temporary folders go too.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Terminate);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Terminate);
        Console.Error.WriteLine($"xwp bench --load: timing '{shown}' idle …");
        var idle = TimeReproduce(reproduce);
        Console.Error.WriteLine($"xwp bench --load: {idle:F1} s idle; timing it again beside a busy core …");
        double loaded;
        double busyShare;
        if (_terminated)
        {
            throw new OperationCanceledException();
        }

        using (var busy = StartBusyLoop())
        {
            try
            {
                var watch = Stopwatch.StartNew();
                loaded = TimeReproduce(reproduce);
                busy.Refresh();
                busyShare = busy.TotalProcessorTime.TotalSeconds / watch.Elapsed.TotalSeconds;
            }
            finally
            {
                Stop(busy);
                Track(busy, add: false);
            }
        }

        var cores = Environment.ProcessorCount;
        if (json)
        {
            var result = new Dictionary<string, object?>
            {
                ["command"] = "xwp " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                ["date"] = DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture),
                ["workload"] = shown,
                ["cores"] = cores,
                ["xwp_num_threads"] = Environment.GetEnvironmentVariable("XWP_NUM_THREADS"),
                ["idle_seconds"] = idle,
                ["loaded_seconds"] = loaded,
                ["ratio"] = loaded / idle,
                ["busy_loop_cpu_share"] = busyShare,
            };
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            Console.WriteLine($"# xwp bench --load — '{shown}', default settings, {cores} logical cores");
            Console.WriteLine();
            Console.WriteLine("| run | seconds |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| idle | {idle:F1} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one core busy | {loaded:F1} |"));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Loaded / idle: {loaded / idle:F2}× (the busy loop used {100 * busyShare:F0}% of a core while the loaded run ran)."));
        }

        return 0;
    }

    /// <summary>
    /// The busy child's loop: spin on one core until the process <paramref name="parentId"/> is gone
    /// (checked a few times a second), so that a killed bench never leaves it behind.
    /// </summary>
    public static int Spin(string parentId)
    {
        if (!int.TryParse(parentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new UsageException($"--{BenchCommand.BusyLoopOption} takes a process id, not '{parentId}'.");
        }

        Process parent;
        try
        {
            parent = Process.GetProcessById(id);
        }
        catch (ArgumentException)
        {
            return 0;
        }

        var watch = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        ulong x = 1;
        while (true)
        {
            for (var i = 0; i < 1_000_000; i++)
            {
                // xorshift: work the JIT cannot drop, with no memory traffic.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }

            if (watch.Elapsed < next)
            {
                continue;
            }

            next = watch.Elapsed + TimeSpan.FromMilliseconds(250);
            parent.Refresh();
            if (parent.HasExited || x == 0)
            {
                return 0;
            }
        }
    }

    private static double TimeReproduce(IReadOnlyList<string> reproduce)
    {
        var folder = Path.Combine(Path.GetTempPath(), "xwp-bench-load-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = Self([.. reproduce, "--out", folder]);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            var errors = new Queue<string>();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line)
                {
                    lock (errors)
                    {
                        errors.Enqueue(line);
                        if (errors.Count > 5)
                        {
                            errors.Dequeue();
                        }
                    }
                }
            };
            var watch = Stopwatch.StartNew();
            process.Start();
            Track(process, add: true);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                process.WaitForExit();
            }
            finally
            {
                Stop(process);
                Track(process, add: false);
            }

            var seconds = watch.Elapsed.TotalSeconds;
            if (_terminated)
            {
                throw new OperationCanceledException();
            }

            if (process.ExitCode != 0)
            {
                string last;
                lock (errors)
                {
                    last = errors.Count > 0 ? errors.Last() : "(no message)";
                }

                throw new InvalidOperationException($"'xwp {string.Join(' ', reproduce)}' failed with exit code {process.ExitCode}: {last}");
            }

            return seconds;
        }
        finally
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
                // A leftover temporary folder is not worth failing the measurement for.
            }
        }
    }

    private static Process StartBusyLoop()
    {
        var start = Self(["bench", "--" + BenchCommand.BusyLoopOption, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        var busy = Process.Start(start) ?? throw new InvalidOperationException("Could not start the busy-loop process.");
        Track(busy, add: true);
        return busy;
    }

    private static void Terminate(PosixSignalContext context)
    {
        _terminated = true;
        context.Cancel = true;
        StopChildren();
    }

    private static void Track(Process process, bool add)
    {
        lock (Children)
        {
            if (add)
            {
                Children.Add(process);
            }
            else
            {
                Children.Remove(process);
            }
        }
    }

    private static void StopChildren()
    {
        lock (Children)
        {
            foreach (var child in Children)
            {
                Stop(child);
            }

            Children.Clear();
        }
    }

    private static void Stop(Process child)
    {
        try
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // It has exited on its own in the meantime.
        }
    }

    /// <summary>How to start this same `xwp` (the app host, or `dotnet Xwp.Cli.dll` when run through dotnet).</summary>
    private static ProcessStartInfo Self(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable is running xwp.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(BenchLoad).Assembly.Location);
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }
}
