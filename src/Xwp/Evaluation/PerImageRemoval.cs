using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>A removal value made from each image: what <see cref="RemovalValue"/> holds for its per-image kinds.</summary>
internal abstract class PerImageRemoval
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="optionName"/> when the rule does not fit inputs of <paramref name="features"/> features.</summary>
    public virtual void Check(int features, string optionName)
    {
    }

    /// <summary>The removal values <c>[B, D]</c> (float32, on the inputs' device, in the caller's dispose scope) of float32 inputs <c>[B, D]</c>.</summary>
    public abstract Tensor Values(Tensor inputs);

    /// <summary>The rule as reports print it.</summary>
    public abstract override string ToString();
}
