namespace Xwp;

/// <summary>The shape and initialisation of an <see cref="Fcnn"/>.</summary>
public sealed record FcnnOptions
{
    /// <summary>Neurons per layer, input first and classes last. Default <c>784-400-100-10</c>, the paper's.</summary>
    public IReadOnlyList<int> LayerSizes { get; init; } = [784, 400, 100, 10];

    /// <summary>The activation between linear layers. Default <see cref="Activation.ReLU"/>.</summary>
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>Negative slope of <see cref="Activation.LeakyReLU"/>. Default 0.01 (PyTorch's).</summary>
    public double LeakyReLUSlope { get; init; } = 0.01;

    /// <summary>
    /// Seed of the initial weights θ⁰ (PyTorch's <c>nn.Linear</c> scheme: weights and biases uniform in
    /// ±1/√fan_in). The same seed gives bit-identical θ⁰. Default 0.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (LayerSizes is null || LayerSizes.Count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(LayerSizes), "An FCNN needs at least an input size and a class count (two layer sizes).");
        }

        for (var i = 0; i < LayerSizes.Count; i++)
        {
            if (LayerSizes[i] < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(LayerSizes), LayerSizes[i], $"Layer size {i} must be at least 1.");
            }
        }

        if (LayerSizes[^1] < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(LayerSizes), LayerSizes[^1], "A classifier needs at least two classes.");
        }

        if (!Enum.IsDefined(Activation))
        {
            throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Unknown activation.");
        }

        if (!double.IsFinite(LeakyReLUSlope) || LeakyReLUSlope < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LeakyReLUSlope), LeakyReLUSlope, "The slope must be finite and non-negative.");
        }
    }
}
