using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Xwp.Models;

/// <summary>
/// One frozen set of an FCNN's parameters (θ⁰ or θ) with a functional forward pass. Weights use
/// TorchSharp's <c>[out, in]</c> layout, so the weights attached to input feature i — the paper's
/// <c>W_i</c> — are column i of <see cref="Weights"/>[0]. The tensors are detached, owned by the
/// snapshot and outside every dispose scope.
/// </summary>
internal sealed class FcnnSnapshot : IDisposable
{
    private readonly Tensor[] _weights;
    private readonly Tensor[] _biases;
    private bool _disposed;

    private FcnnSnapshot(Tensor[] weights, Tensor[] biases, Activation activation, double slope)
    {
        _weights = weights;
        _biases = biases;
        Activation = activation;
        LeakyReLUSlope = slope;
    }

    /// <summary>Layer weights, <c>[out, in]</c>.</summary>
    public IReadOnlyList<Tensor> Weights => _weights;

    /// <summary>Layer biases, <c>[out]</c>.</summary>
    public IReadOnlyList<Tensor> Biases => _biases;

    public Activation Activation { get; }

    public double LeakyReLUSlope { get; }

    public Device Device => _weights[0].device;

    /// <summary>Copies the given parameters (they stay owned by the caller).</summary>
    public static FcnnSnapshot Capture(IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases, Activation activation, double slope)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = weights.Select(t => Own(t.detach().clone())).ToArray();
        var b = biases.Select(t => Own(t.detach().clone())).ToArray();
        return new FcnnSnapshot(w, b, activation, slope);
    }

    /// <summary>Applies the activation.</summary>
    public Tensor Activate(Tensor x) => Activation switch
    {
        Activation.ReLU => F.relu(x),
        Activation.GELU => F.gelu(x),
        Activation.Tanh => F.tanh(x),
        Activation.Sigmoid => F.sigmoid(x),
        Activation.LeakyReLU => F.leaky_relu(x, LeakyReLUSlope),
        _ => throw new InvalidOperationException($"Unknown activation {Activation}."),
    };

    /// <summary>Applies the activation in place where torch can (the argument is overwritten).</summary>
    public Tensor ActivateInPlace(Tensor x) => Activation switch
    {
        Activation.ReLU => x.relu_(),
        Activation.Tanh => x.tanh_(),
        Activation.Sigmoid => x.sigmoid_(),
        Activation.LeakyReLU => x.leaky_relu_(LeakyReLUSlope),
        _ => Activate(x),
    };

    /// <summary>Like <see cref="Head"/>, but overwrites its argument and its own temporaries to save memory traffic.</summary>
    public Tensor HeadInPlace(Tensor firstPreActivation) =>
        _weights.Length == 1 ? firstPreActivation : HeadAfterActivationInPlace(ActivateInPlace(firstPreActivation));

    /// <summary>
    /// Like <see cref="HeadInPlace"/> for an argument that already holds the first layer's activations (the first
    /// activation applied): the layers after it, overwriting the argument. Needs at least two layers.
    /// </summary>
    public Tensor HeadAfterActivationInPlace(Tensor firstActivation) =>
        HeadAfterSecondLinearInPlace(F.linear(firstActivation, _weights[1], _biases[1]));

    /// <summary>
    /// The layers after the second Linear layer, from its outputs to logits, overwriting the argument (the
    /// argument itself for a network of two layers). Needs at least two layers.
    /// </summary>
    public Tensor HeadAfterSecondLinearInPlace(Tensor secondPreActivation)
    {
        var h = secondPreActivation;
        for (var layer = 2; layer < _weights.Length; layer++)
        {
            h = F.linear(ActivateInPlace(h), _weights[layer], _biases[layer]);
        }

        return h;
    }

    /// <summary>The network after the first linear layer — the paper's black box g — from first-layer pre-activations to logits.</summary>
    public Tensor Head(Tensor firstPreActivation)
    {
        var h = firstPreActivation;
        for (var layer = 1; layer < _weights.Length; layer++)
        {
            h = F.linear(Activate(h), _weights[layer], _biases[layer]);
        }

        return h;
    }

    /// <summary>The first layer's pre-activation <c>x Wᵀ + b</c>, optionally with another first-layer weight.</summary>
    public Tensor FirstLayer(Tensor inputs, Tensor? firstWeight = null) =>
        F.linear(inputs, firstWeight ?? _weights[0], _biases[0]);

    /// <summary>The logits, optionally with another first-layer weight.</summary>
    public Tensor Logits(Tensor inputs, Tensor? firstWeight = null) => Head(FirstLayer(inputs, firstWeight));

    /// <summary>Moves every tensor to a device.</summary>
    public FcnnSnapshot To(Device device)
    {
        if (Device == device)
        {
            return this;
        }

        var moved = new FcnnSnapshot(
            _weights.Select(t => Own(t.to(device))).ToArray(),
            _biases.Select(t => Own(t.to(device))).ToArray(),
            Activation,
            LeakyReLUSlope);
        Dispose();
        return moved;
    }

    /// <summary>Whether every parameter is bit-for-bit equal to the other snapshot's.</summary>
    public bool BitwiseEquals(FcnnSnapshot other) =>
        _weights.Length == other._weights.Length &&
        _weights.Zip(other._weights).All(p => Same(p.First, p.Second)) &&
        _biases.Zip(other._biases).All(p => Same(p.First, p.Second));

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var t in _weights.Concat(_biases))
        {
            t.Dispose();
        }
    }

    private static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype)
        {
            return false;
        }

        // Compare the bytes, not the values: -0 and 0 differ, and NaN equals an identical NaN.
        using var scope = NewDisposeScope();
        var x = a.detach().cpu().contiguous();
        var y = b.detach().cpu().contiguous();
        return x.bytes.SequenceEqual(y.bytes);
    }

    private static Tensor Own(Tensor t) => t.DetachFromDisposeScope();
}
