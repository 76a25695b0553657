using static TorchSharp.torch;

namespace Xwp.Attribution.Xwp;

/// <summary>
/// The Linear layer that follows the first layer's ReLU, and everything after it: what the rank-1 path
/// needs to run that layer itself on the units that can be active (<see cref="ActiveUnitPasses"/>).
/// </summary>
/// <param name="Weight">The layer's weight <c>[H2, H]</c> (read only).</param>
/// <param name="Bias">The layer's bias <c>[H2]</c>, or null.</param>
/// <param name="Rest">The layer's outputs <c>[M, H2]</c> → the model's raw outputs <c>[M, C]</c>; it may overwrite its argument.</param>
internal sealed record NextLinear(Tensor Weight, Tensor? Bias, Func<Tensor, Tensor> Rest);
