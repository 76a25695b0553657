using static TorchSharp.torch;

namespace Xwp;

/// <summary>The entry point of the fluent attribution API.</summary>
public static class ExplainExtensions
{
    /// <summary>
    /// Starts an explanation of <paramref name="inputs"/> (<c>[N, …]</c>, float; <c>[N, D]</c> for an
    /// <see cref="Fcnn"/>) by <paramref name="model"/> — an <see cref="Fcnn"/> or any model wrapped with
    /// <see cref="ExplainableModel.FromModule"/>:
    /// <c>model.Explain(x).For(labels).Using(Attributions.XwpComplement()).Compute()</c>.
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="inputs">The inputs to explain; not modified.</param>
    /// <returns>A builder; nothing runs until <see cref="ExplanationBuilder.Compute"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ExplanationBuilder Explain(this ExplainableModel model, Tensor inputs) => new(model, inputs);
}
