using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Xwp.Native;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Process-wide settings of the native runtime under Xwp: loading TorchSharp's native library
/// (including on Linux distributions older than the one it was built on), the number of threads
/// torch uses and how idle threads wait (see <see cref="WaitPolicyDescription"/>).
/// </summary>
/// <remarks>
/// Xwp loads the native library by itself before its first TorchSharp call; call
/// <see cref="EnsureInitialized"/> only if your own code calls TorchSharp before anything in Xwp.
/// On Debian 12 and similar systems, TorchSharp 0.107's <c>libLibTorchSharp.so</c> asks for
/// <c>GLIBCXX_3.4.32</c> for a single link-time marker symbol; Xwp then loads a copy in which that
/// requirement is marked weak, cached under <c>~/.cache/xwp/native</c> (or
/// <c>$XWP_NATIVE_CACHE</c>).
/// </remarks>
public static class XwpRuntime
{
    private static readonly Lock Gate = new();
    private static NativeLoadResult? _result;
    private static WaitPolicy? _waitPolicy;
    private static Exception? _failure;

    /// <summary>
    /// Loads TorchSharp's native library if that has not happened yet, and applies
    /// <c>XWP_NUM_THREADS</c> when that environment variable is set. Safe to call many times.
    /// </summary>
    /// <exception cref="XwpNativeLibraryException">The native library cannot be loaded; the message says why.</exception>
    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (_result is null && _failure is null)
            {
                try
                {
                    // Before libtorch loads: GNU OpenMP reads its wait policy once, when it is loaded.
                    _waitPolicy = OpenMpDefaults.Apply();
                    _result = TorchNativeLoader.Load();
                    ApplyThreadsFromEnvironment();
                }
                catch (Exception e) when (e is XwpNativeLibraryException or IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    _failure = e is XwpNativeLibraryException ? e : new XwpNativeLibraryException(
                        $"TorchSharp's native library could not be prepared: {e.Message}", e);
                }
            }

            if (_failure is not null)
            {
                throw new XwpNativeLibraryException(_failure.Message, _failure);
            }
        }
    }

    /// <summary>One line that says which native library file was loaded and how.</summary>
    /// <exception cref="XwpNativeLibraryException">The native library cannot be loaded.</exception>
    public static string NativeLibraryDescription
    {
        get
        {
            EnsureInitialized();
            return _result!.ToString();
        }
    }

    /// <summary>
    /// One line that says which OpenMP wait policy torch's CPU threads use and where it came from.
    /// </summary>
    /// <remarks>
    /// On Linux, unless <c>OMP_WAIT_POLICY</c> is set, Xwp sets it to <c>PASSIVE</c> before libtorch
    /// (and with it GNU OpenMP) is loaded: threads that wait for the others sleep at once instead of
    /// spinning. With OpenMP's default, a run on a machine where another process keeps one core busy
    /// was several times slower, because the threads spin against the one that lost its core at each of
    /// the many small parallel regions. Set <c>OMP_WAIT_POLICY=ACTIVE</c> for spinning threads (a
    /// little faster on a machine that is otherwise idle). If your code uses TorchSharp before anything
    /// in Xwp, libtorch is already loaded and the policy can no longer change; the line then says so.
    /// </remarks>
    /// <exception cref="XwpNativeLibraryException">The native library cannot be loaded.</exception>
    public static string WaitPolicyDescription
    {
        get
        {
            EnsureInitialized();
            return _waitPolicy!.ToString();
        }
    }

    /// <summary>
    /// The number of threads torch uses for intra-op parallelism on the CPU, from 1 to
    /// <see cref="MaxThreads"/>. Set it explicitly when other busy work shares the cores. The
    /// environment variable <c>XWP_NUM_THREADS</c> sets it at start-up.
    /// </summary>
    /// <remarks>
    /// More threads than logical cores never speed torch up and can slow it down many times (each
    /// thread waits for the others at every parallel region), and a mistyped count such as 100000
    /// would spend minutes creating threads; such values are refused rather than silently clamped.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1 or more than <see cref="MaxThreads"/>.</exception>
    /// <exception cref="XwpNativeLibraryException">The native library cannot be loaded.</exception>
    public static int Threads
    {
        get
        {
            EnsureInitialized();
            return get_num_threads();
        }

        set
        {
            CheckThreads(value, nameof(Threads));
            EnsureInitialized();
            set_num_threads(value);
        }
    }

    /// <summary>
    /// The largest value <see cref="Threads"/> accepts: the logical cores this process may use
    /// (<see cref="Environment.ProcessorCount"/>, which honours CPU affinity and container limits).
    /// </summary>
    public static int MaxThreads => Environment.ProcessorCount;

    internal static NativeLoadResult? NativeLoadResult => _result;

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "TorchSharp's native library must be loadable before the first TorchSharp call a user makes after touching Xwp; failures are kept and rethrown by EnsureInitialized.")]
    internal static void InitializeOnLoad()
    {
        try
        {
            EnsureInitialized();
        }
        catch (XwpNativeLibraryException)
        {
            // Kept in _failure and rethrown, with its message, by the first call that needs torch.
        }
    }

    private static void ApplyThreadsFromEnvironment()
    {
        if (ThreadsFromEnvironment(Environment.GetEnvironmentVariable("XWP_NUM_THREADS")) is { } threads)
        {
            set_num_threads(threads);
        }
    }

    /// <summary>The thread count <c>XWP_NUM_THREADS</c> asks for: null when unset or blank.</summary>
    /// <exception cref="XwpNativeLibraryException">The value is not an integer from 1 to <see cref="MaxThreads"/>.</exception>
    internal static int? ThreadsFromEnvironment(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var threads) ||
            threads < 1 || threads > MaxThreads)
        {
            throw new XwpNativeLibraryException(
                $"XWP_NUM_THREADS must be an integer from 1 to {MaxThreads} (the logical cores this process may use), not '{text}'.");
        }

        return threads;
    }

    private static void CheckThreads(int value, string name)
    {
        if (value < 1 || value > MaxThreads)
        {
            throw new ArgumentOutOfRangeException(name, value,
                $"Torch threads must be from 1 to {MaxThreads} (the logical cores this process may use), not {value}.");
        }
    }
}
