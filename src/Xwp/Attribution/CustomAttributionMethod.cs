using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The base class of an attribution method of your own: implement <see cref="AttributionMethod.Name"/> and
/// <see cref="Attribute"/>, and the method runs through <see cref="ExplanationBuilder"/> and
/// <see cref="EvaluationBuilder"/> like the built-in ones (validated inputs and targets, batching, progress,
/// cancellation, eval mode, one native-memory scope per batch).
/// </summary>
public abstract class CustomAttributionMethod : AttributionMethod
{
    /// <summary>Creates the method.</summary>
    protected CustomAttributionMethod()
    {
    }

    /// <summary>
    /// Attributes one batch. Runs inside a dispose scope that the library owns: create temporaries freely
    /// and return a float tensor of the inputs' shape; the library copies it out. Run the model through
    /// <see cref="ExplainableModel.Forward"/> (under <c>torch.no_grad()</c> unless you need gradients).
    /// </summary>
    /// <param name="model">The model; it is in eval mode while the run lasts.</param>
    /// <param name="inputs">Float32 inputs <c>[B, …]</c> on the model's device; do not modify them.</param>
    /// <param name="targets">Int64 target classes <c>[B]</c>.</param>
    /// <param name="offset">Index of the batch's first row in the whole run (derive per-row seeds from it so
    /// results do not depend on the batch size).</param>
    /// <param name="cancellationToken">Check it between chunks of long work.</param>
    /// <returns>The map, of the inputs' shape.</returns>
    protected abstract Tensor Attribute(ExplainableModel model, Tensor inputs, Tensor targets, long offset, CancellationToken cancellationToken);

    internal sealed override Tensor AttributeBatch(AttributionBatch batch)
    {
        var map = Attribute(batch.Model, batch.Inputs, batch.Targets, batch.Offset, batch.CancellationToken)
            ?? throw new InvalidOperationException($"The method '{Name}' returned no map.");
        if (!map.shape.SequenceEqual(batch.Inputs.shape))
        {
            throw new InvalidOperationException(
                $"The method '{Name}' returned a map of shape {InputValidation.Shape(map)} for inputs {InputValidation.Shape(batch.Inputs)}; a map has the inputs' shape.");
        }

        return map.to(float32);
    }
}
