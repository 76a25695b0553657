using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// One layer of a TorchSharp or TorchScript module whose trained parameters the randomisation test redraws: a
/// parameter named <c>weight</c> with two or more dimensions (Linear <c>[out, in]</c>, Conv <c>[out, in/groups, k…]</c>)
/// and the <c>bias</c> beside it. The tensors are the module's own (changing them changes the model).
/// </summary>
/// <param name="Name">The layer's name in the module (e.g. <c>"0"</c>, <c>"features.3"</c>; empty for the root).</param>
/// <param name="Weight">The layer's weight, as the module holds it.</param>
/// <param name="Bias">The layer's bias, or null.</param>
internal sealed record ParameterLayer(string Name, Tensor Weight, Tensor? Bias)
{
    /// <summary>Inputs per output unit, as PyTorch's default initialisation counts them: the weight's elements over its first size.</summary>
    public long FanIn => Weight.numel() / Weight.shape[0];

    /// <summary>
    /// The layers of <paramref name="module"/> with a weight of two or more dimensions, in the order the module
    /// registers its parameters (for a Sequential: from the input to the output). BatchNorm and LayerNorm weights
    /// (one dimension) are not layers here and stay as trained.
    /// </summary>
    public static IReadOnlyList<ParameterLayer> Of(nn.Module module)
    {
        var parameters = module.named_parameters().Select(p => (p.name, tensor: (Tensor)p.parameter)).ToList();
        var byName = parameters.ToDictionary(p => p.name, p => p.tensor, StringComparer.Ordinal);
        var layers = new List<ParameterLayer>();
        foreach (var (name, tensor) in parameters)
        {
            if ((name == "weight" || name.EndsWith(".weight", StringComparison.Ordinal)) && tensor.dim() >= 2)
            {
                var prefix = name[..^"weight".Length];
                layers.Add(new ParameterLayer(prefix.TrimEnd('.'), tensor, byName.GetValueOrDefault(prefix + "bias")));
            }
        }

        return layers;
    }
}
