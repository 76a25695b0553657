namespace Xwp;

/// <summary>How far an attribution run has come.</summary>
/// <param name="Method">The method's name.</param>
/// <param name="Done">Inputs attributed so far.</param>
/// <param name="Total">Inputs in the run.</param>
public sealed record AttributionProgress(string Method, long Done, long Total);
