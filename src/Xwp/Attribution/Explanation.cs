using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The result of <see cref="ExplanationBuilder.ComputeExplanation"/>: the attribution map, the
/// targets it explains, and the method's per-input diagnostics. Owns its tensors: dispose it, or
/// take the map with <see cref="DetachMap"/>.
/// </summary>
public sealed class Explanation : IDisposable
{
    private Tensor? _map;

    internal Explanation(string method, Tensor map, Tensor targets, IReadOnlyDictionary<string, Tensor> diagnostics)
    {
        Method = method;
        _map = map;
        Targets = targets;
        Diagnostics = diagnostics;
    }

    /// <summary>The method's name.</summary>
    public string Method { get; }

    /// <summary>The attribution map, of the inputs' shape (<c>[N, D]</c> for an <see cref="Fcnn"/>), float32, on the inputs' device.</summary>
    /// <exception cref="InvalidOperationException">The map was taken with <see cref="DetachMap"/>.</exception>
    public Tensor Map => _map ?? throw new InvalidOperationException("The map was taken with DetachMap().");

    /// <summary>The explained classes <c>[N]</c>, int64 (given, or the predicted ones); after <see cref="ExplanationBuilder.ForAllClasses"/> the classes <c>0 … C−1</c>.</summary>
    public Tensor Targets { get; }

    /// <summary>Per-input diagnostics <c>[N]</c> by name (see <see cref="AttributionMethod.DiagnosticNames"/>).</summary>
    public IReadOnlyDictionary<string, Tensor> Diagnostics { get; }

    /// <summary>Hands the map to the caller, who then owns it; the rest is still disposed with this object.</summary>
    /// <returns>The map.</returns>
    public Tensor DetachMap()
    {
        var map = Map;
        _map = null;
        return map;
    }

    /// <summary>Releases the tensors this object still owns.</summary>
    public void Dispose()
    {
        _map?.Dispose();
        _map = null;
        Targets.Dispose();
        foreach (var t in Diagnostics.Values)
        {
            t.Dispose();
        }
    }
}
