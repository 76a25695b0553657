using System.Diagnostics;

namespace Xwp.Cli;

/// <summary>Progress on standard error: a rewritten line on a terminal, a line every few seconds otherwise.</summary>
internal sealed class ConsoleProgress(TextWriter writer) : IProgress<AttributionProgress>
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.MinValue;
    private bool _wroteInPlace;

    public void Report(AttributionProgress value)
    {
        var text = $"{value.Method}: {value.Done}/{value.Total} inputs ({_watch.Elapsed.TotalSeconds:F1} s)";
        if (!Console.IsErrorRedirected)
        {
            writer.Write("\r" + text);
            _wroteInPlace = true;
        }
        else if (value.Done == value.Total || _watch.Elapsed - _last > TimeSpan.FromSeconds(5))
        {
            writer.WriteLine(text);
            _last = _watch.Elapsed;
        }
    }

    public void Finish()
    {
        if (_wroteInPlace)
        {
            writer.WriteLine();
        }
    }
}
