using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// An attribution method: given a model, inputs <c>[N, D]</c> and target classes <c>[N]</c>, it
/// returns a new map <c>[N, D]</c> with one score per input feature. Create methods through
/// <see cref="Attributions"/> and run them with <see cref="ExplainExtensions.Explain"/>.
/// </summary>
/// <remarks>Methods are immutable and can be reused across models and threads.</remarks>
public abstract class AttributionMethod
{
    private protected AttributionMethod()
    {
    }

    /// <summary>A short, stable name (e.g. <c>xwp</c>, <c>xwpc</c>), used in reports and on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Images per batch when the caller does not choose.</summary>
    internal virtual int DefaultBatchSize => 256;

    /// <summary>
    /// Attributes one batch. <paramref name="inputs"/> is float32 <c>[B, D]</c> on the model's device,
    /// <paramref name="targets"/> int64 <c>[B]</c> there too; both are validated. Runs inside a dispose
    /// scope owned by the caller, which copies the result out.
    /// </summary>
    internal abstract Tensor AttributeBatch(Fcnn model, Tensor inputs, Tensor targets, CancellationToken cancellationToken);

    /// <summary>The method's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}
