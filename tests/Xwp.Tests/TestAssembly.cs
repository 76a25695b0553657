using System.Runtime.CompilerServices;
using Xunit;

// Torch work must never run in parallel: two OpenMP pools on two cores slow each other 20-50x.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Xwp.Tests;

internal static class TestAssembly
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        // XWP_NUM_THREADS (applied by XwpRuntime) wins, e.g. =1 when several test runs share the cores.
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("XWP_NUM_THREADS")))
        {
            XwpRuntime.Threads = Math.Min(2, Environment.ProcessorCount);
        }
    }
}
