using System.Runtime.InteropServices;

namespace Xwp.Native;

/// <summary>Where the OpenMP wait policy torch's threads use came from.</summary>
internal enum WaitPolicySource
{
    /// <summary>Xwp set its default (<c>PASSIVE</c>) before the OpenMP runtime started.</summary>
    Xwp,

    /// <summary>The user set <c>OMP_WAIT_POLICY</c>; Xwp left it alone.</summary>
    User,

    /// <summary>The OpenMP runtime was already loaded (torch was used before Xwp), so its own default holds.</summary>
    TooLate,

    /// <summary>Not Linux: Xwp does not change the environment there.</summary>
    NotApplicable,
}

/// <summary>The OpenMP wait policy in effect and where it came from.</summary>
/// <param name="Value">The value of <c>OMP_WAIT_POLICY</c>, or null when the runtime's default holds.</param>
/// <param name="Source">Who chose it.</param>
internal sealed record WaitPolicy(string? Value, WaitPolicySource Source)
{
    /// <summary>One line for <c>xwp info</c> and logs.</summary>
    public override string ToString() => Source switch
    {
        WaitPolicySource.Xwp =>
            $"OpenMP wait policy: {Value} (Xwp's default: idle torch threads sleep instead of spinning; set OMP_WAIT_POLICY=ACTIVE to let them spin)",
        WaitPolicySource.User => $"OpenMP wait policy: {Value} (from OMP_WAIT_POLICY)",
        WaitPolicySource.TooLate =>
            "OpenMP wait policy: the OpenMP runtime's default (spin, then sleep), because torch was loaded before Xwp could set " +
            "OMP_WAIT_POLICY=PASSIVE; set it in the environment to choose",
        _ => "OpenMP wait policy: the OpenMP runtime's default (Xwp sets PASSIVE only on Linux); set OMP_WAIT_POLICY to choose",
    };
}

/// <summary>
/// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the process's native environment before libtorch, and with
/// it GNU OpenMP (libgomp), is loaded — unless the user chose a policy.
/// </summary>
/// <remarks>
/// libgomp reads its settings once, when it is loaded. By default a thread that finishes its share
/// of a parallel region spins for a while (300,000 iterations) before it sleeps. When another process
/// keeps one of the cores busy, the thread that shares that core is descheduled, and the others spin
/// against it at every region; with the many small regions of Xwp's batched forward passes, a run
/// became several times slower. With <c>PASSIVE</c> waiting threads sleep at once, so a busy core
/// costs at most its share of the work.
/// <para>
/// On Linux, .NET keeps its own copy of the environment: <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not change the C library's <c>environ</c>, which libgomp reads. So the variable is set with
/// libc's <c>setenv</c> (and in .NET's copy, so that both agree and child processes inherit it).
/// </para>
/// </remarks>
internal static partial class OpenMpDefaults
{
    /// <summary>The variable GNU OpenMP (and the OpenMP standard) reads for the wait policy.</summary>
    internal const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>Xwp's default wait policy.</summary>
    internal const string DefaultWaitPolicy = "PASSIVE";

    /// <summary>Applies Xwp's default wait policy if it is still possible and the user chose none.</summary>
    public static WaitPolicy Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new WaitPolicy(Environment.GetEnvironmentVariable(WaitPolicyVariable), WaitPolicySource.NotApplicable);
        }

        var loaded = OpenMpRuntimeLoaded();
        var (value, setByUs) = SetDefault(WaitPolicyVariable, DefaultWaitPolicy, allowSet: !loaded);
        return value is null ? new WaitPolicy(null, WaitPolicySource.TooLate)
            : setByUs ? new WaitPolicy(value, WaitPolicySource.Xwp)
            : new WaitPolicy(value, WaitPolicySource.User);
    }

    /// <summary>
    /// Makes <paramref name="name"/> set in the native environment: a value already there (natively,
    /// or only in .NET's copy, where a program may have put it before touching Xwp) is kept and copied
    /// across; otherwise <paramref name="value"/> is set, when <paramref name="allowSet"/>.
    /// </summary>
    /// <returns>The value now in effect (null if none) and whether this call chose it.</returns>
    internal static (string? Value, bool SetByUs) SetDefault(string name, string value, bool allowSet = true)
    {
        var native = GetNative(name);
        if (!string.IsNullOrEmpty(native))
        {
            return (native, false);
        }

        var managed = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(managed))
        {
            SetNative(name, managed);
            return (managed, false);
        }

        if (!allowSet)
        {
            return (null, false);
        }

        SetNative(name, value);
        Environment.SetEnvironmentVariable(name, value);
        return (value, true);
    }

    /// <summary>The value of <paramref name="name"/> in the C library's environment (what libgomp sees).</summary>
    internal static string? GetNative(string name) => Marshal.PtrToStringUTF8(Getenv(name));

    /// <summary>Whether a GNU OpenMP runtime is already mapped into this process (then it has read its settings).</summary>
    internal static bool OpenMpRuntimeLoaded()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Any(line => line.Contains("/libgomp", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void SetNative(string name, string value)
    {
        if (Setenv(name, value, 1) != 0)
        {
            throw new XwpNativeLibraryException($"Setting {name}={value} in the process environment failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr Getenv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Setenv(string name, string value, int overwrite);
}
