namespace Xwp.Cli;

/// <summary>
/// Turns Ctrl+C into a cancellation while a command computes: the first Ctrl+C cancels <see cref="Token"/>
/// (the library stops between batches, the command reports "cancelled." and exits with 130) instead of
/// killing the process mid-write. Dispose it to restore the default behaviour.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly ConsoleCancelEventHandler _handler;

    private CtrlC()
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            Press();
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>For tests: called with every new listener, e.g. to press Ctrl+C at once.</summary>
    internal static Action<CtrlC>? Listening { get; set; }

    /// <summary>Cancelled when Ctrl+C is pressed.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Starts listening for Ctrl+C.</summary>
    public static CtrlC Listen()
    {
        var listener = new CtrlC();
        Listening?.Invoke(listener);
        return listener;
    }

    /// <summary>What Ctrl+C does: cancels <see cref="Token"/>.</summary>
    internal void Press() => _source.Cancel();

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
