using System.Diagnostics;

namespace Xwp.Cli;

/// <summary>
/// Decides when a progress line is due: at most one per interval, and always for the last one. Every
/// progress writer of the CLI uses it, so none does its own arithmetic on times (an earlier one started
/// from <see cref="TimeSpan.MinValue"/> and overflowed on its second report).
/// </summary>
/// <param name="interval">The least time between two lines.</param>
/// <param name="clock">Elapsed time since the start; a stopwatch started now when null (tests pass their own).</param>
internal sealed class ProgressThrottle(TimeSpan interval, Func<TimeSpan>? clock = null)
{
    private readonly Func<TimeSpan> _clock = clock ?? StartClock();
    private TimeSpan _last = TimeSpan.Zero;

    /// <summary>Time since the throttle was made.</summary>
    public TimeSpan Elapsed => _clock();

    /// <summary>Whether to write a line now: <paramref name="final"/>, or a full interval since the start or the last line.</summary>
    public bool Due(bool final = false)
    {
        var now = _clock();
        if (!final && now - _last < interval)
        {
            return false;
        }

        _last = now;
        return true;
    }

    private static Func<TimeSpan> StartClock()
    {
        var watch = Stopwatch.StartNew();
        return () => watch.Elapsed;
    }
}
