using Spectre.Console;

namespace Xwp.Cli.Reproduction;

/// <summary>Where a long run reports: one progress bar per phase on a terminal, periodic plain lines otherwise.</summary>
internal interface IProgressSink
{
    /// <summary>Runs one phase of <paramref name="total"/> units; <paramref name="work"/> reports units done.</summary>
    T Phase<T>(string title, long total, Func<Action<long>, T> work);

    /// <summary>A line of information.</summary>
    void Line(string text);

    /// <summary>A warning: something in the results is suspicious.</summary>
    void Warn(string text);

    /// <summary>Chooses the sink for this console: bars on an interactive terminal, plain lines when redirected.</summary>
    static IProgressSink ForConsole() =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
            ? new SpectreProgressSink()
            : new PlainProgressSink(Console.Out, warnings: Console.Error);
}

/// <summary>Spectre.Console progress bars, one per phase.</summary>
internal sealed class SpectreProgressSink : IProgressSink
{
    public T Phase<T>(string title, long total, Func<Action<long>, T> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(1, total));
                var result = work(done => task.Value = done);
                task.Value = task.MaxValue;
                return result;
            });

    public void Line(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    /// <summary>Warnings go to standard error, so that standard output holds only the run's progress and results.</summary>
    private static readonly IAnsiConsole Errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public void Warn(string text) => Errors.MarkupLine($"[yellow]warning:[/] {Markup.Escape(text)}");
}

/// <summary>
/// Plain lines: when a phase starts, every few seconds while it runs, and when it ends; warnings go to
/// <paramref name="warnings"/> (standard error from the console; the same writer when null).
/// </summary>
internal sealed class PlainProgressSink(TextWriter writer, double intervalSeconds = 10, TextWriter? warnings = null) : IProgressSink
{
    public T Phase<T>(string title, long total, Func<Action<long>, T> work)
    {
        var throttle = new ProgressThrottle(TimeSpan.FromSeconds(intervalSeconds));
        writer.WriteLine($"{title} ...");
        var result = work(done =>
        {
            if (throttle.Due())
            {
                writer.WriteLine($"{title}: {done}/{total} ({throttle.Elapsed.TotalSeconds:F0} s)");
            }
        });
        writer.WriteLine($"{title}: done in {throttle.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    public void Line(string text) => writer.WriteLine(text);

    public void Warn(string text) => (warnings ?? writer).WriteLine($"warning: {text}");
}
