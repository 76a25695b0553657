using static TorchSharp.torch;

namespace Xwp;

/// <summary>The entry point of the evaluation runner.</summary>
public static class EvaluateExtensions
{
    /// <summary>
    /// Starts an evaluation of attribution methods on <paramref name="inputs"/> (<c>[N, …]</c>; <c>[N, D]</c> for an <see cref="Fcnn"/>) for
    /// <paramref name="targets"/> (<c>[N]</c>):
    /// <c>model.Evaluate(x, y).With(Attributions.Xwp(), Attributions.XwpComplement()).Metrics(Metrics.DeletionAuc()).Run()</c>.
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="inputs">The inputs; not modified.</param>
    /// <param name="targets">The classes to explain, one per input row; not modified.</param>
    /// <returns>A builder; nothing runs until <see cref="EvaluationBuilder.Run"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static EvaluationBuilder Evaluate(this ExplainableModel model, Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return new EvaluationBuilder(model, inputs, targets);
    }

    /// <summary>Starts an evaluation that explains, for each input, the class the trained model predicts.</summary>
    /// <param name="model">A trained model.</param>
    /// <param name="inputs">The inputs; not modified.</param>
    /// <returns>A builder; nothing runs until <see cref="EvaluationBuilder.Run"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static EvaluationBuilder Evaluate(this ExplainableModel model, Tensor inputs) => new(model, inputs, null);
}
