namespace Xwp.Cli;

/// <summary>Progress on standard error: a rewritten line on a terminal, a line every few seconds otherwise.</summary>
/// <param name="writer">Where the lines go (standard error).</param>
/// <param name="inPlace">True to rewrite one line with <c>\r</c> (a terminal); false for plain lines (a file or a pipe).</param>
/// <param name="throttle">When plain lines are due; one every 5 s when null.</param>
internal sealed class ConsoleProgress(TextWriter writer, bool inPlace, ProgressThrottle? throttle = null) : IProgress<AttributionProgress>
{
    private readonly ProgressThrottle _throttle = throttle ?? new ProgressThrottle(TimeSpan.FromSeconds(5));
    private bool _wroteInPlace;

    /// <summary>Progress on <see cref="Console.Error"/>, in place unless standard error is redirected.</summary>
    public static ConsoleProgress ForStandardError() => new(Console.Error, inPlace: !Console.IsErrorRedirected);

    public void Report(AttributionProgress value)
    {
        var text = $"{value.Method}: {value.Done}/{value.Total} inputs ({_throttle.Elapsed.TotalSeconds:F1} s)";
        if (inPlace)
        {
            writer.Write("\r" + text);
            _wroteInPlace = true;
        }
        else if (_throttle.Due(final: value.Done == value.Total))
        {
            writer.WriteLine(text);
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
