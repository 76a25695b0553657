namespace Xwp;

/// <summary>How <see cref="Fcnn.FromPyTorch(string, string, PyTorchImportOptions)"/> reads a pair of PyTorch <c>state_dict</c> files.</summary>
public sealed record PyTorchImportOptions
{
    /// <summary>The activation the PyTorch module used between its linear layers. Default <see cref="Activation.ReLU"/>.</summary>
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>Negative slope, for <see cref="Xwp.Activation.LeakyReLU"/>. Default 0.01 (PyTorch's).</summary>
    public double LeakyReLUSlope { get; init; } = 0.01;

    /// <summary>
    /// The linear layers from input to output, by the name before <c>.weight</c> (e.g. <c>["fc_in", "fc_hidden", "fc_out"]</c>),
    /// or null (the default) to infer the order: layers whose names differ only in numbers (<c>0</c>, <c>2</c>, <c>4</c>;
    /// <c>layers.0</c>, <c>layers.1</c>; <c>fc1</c>, <c>fc2</c>) are ordered by those numbers; otherwise the only order in
    /// which each layer's outputs match the next layer's inputs is used, and a file where several orders fit is refused.
    /// When given, it must name every layer of the file exactly once.
    /// </summary>
    public IReadOnlyList<string>? LayerOrder { get; init; }
}
