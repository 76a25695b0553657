using TorchSharp;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// What is known about a model's structure beyond its forward function. Methods use it where it allows
/// an exact shortcut or is required (LRP needs a chain of known layers); without it they treat the model
/// as a black box.
/// </summary>
public sealed class ModelStructure
{
    private ModelStructure(IReadOnlyList<nn.Module<Tensor, Tensor>>? layers)
    {
        Layers = layers;
    }

    /// <summary>Nothing is known: the model is a forward function.</summary>
    public static ModelStructure Opaque { get; } = new(null);

    /// <summary>
    /// The model is a chain: its forward function applies these layers in order, each to the previous
    /// one's output (e.g. the children of an <c>nn.Sequential</c>). Null when not known.
    /// </summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>>? Layers { get; }

    /// <summary>Describes a model that applies <paramref name="layers"/> in order.</summary>
    /// <param name="layers">The layers, first applied first; at least one.</param>
    /// <returns>The structure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or one of its layers is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layers"/> is empty.</exception>
    public static ModelStructure Chain(IEnumerable<nn.Module<Tensor, Tensor>> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var list = layers.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A chain needs at least one layer.", nameof(layers));
        }

        foreach (var layer in list)
        {
            ArgumentNullException.ThrowIfNull(layer, nameof(layers));
        }

        return new ModelStructure(list);
    }
}
