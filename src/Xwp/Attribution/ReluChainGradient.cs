using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Xwp.Attribution;

/// <summary>
/// The input gradient of each row's target output (<see cref="ModelOutputs.TargetGradient"/>) for a chain of Linear
/// layers with ReLU between them — an <see cref="Fcnn"/> with ReLU, or an <c>nn.Sequential</c> of Linear and ReLU
/// wrapped with <see cref="ExplainableModel.FromModule"/> — computed layer by layer without autograd. The forward pass
/// keeps each hidden layer's activations; the output gradient (the one-hot target row for logits, the softmax
/// Jacobian's target row <c>p ⊙ (e_t − p_t)</c> for probabilities) goes back through each Linear layer as one product
/// with its weight and through each ReLU as a mask applied in place.
/// </summary>
/// <remarks>
/// It performs the arithmetic autograd performs on this graph, with the same kernels (<c>addmm</c> forward, <c>grad · W</c>
/// back through a Linear layer, libtorch's softmax and its backward formula), so its values equal the generic path's
/// (tests compare them value for value; only the sign of a zero may differ: the ReLU mask is a product with
/// sign(a) here, a fill with +0 in autograd). What it saves is autograd's graph, its saved tensors and a few passes.
/// </remarks>
internal sealed class ReluChainGradient
{
    private readonly Tensor[] _weights;
    private readonly Tensor?[] _biases;

    private ReluChainGradient(Tensor[] weights, Tensor?[] biases)
    {
        _weights = weights;
        _biases = biases;
    }

    /// <summary>
    /// The chain of <paramref name="model"/> when this path applies to <paramref name="inputs"/>: float32 rows <c>[N, D]</c>,
    /// and an <see cref="Fcnn"/> with ReLU, or a model returning logits whose <see cref="ModelStructure.Layers"/> are
    /// Linear layers with one ReLU between each two (float32 weights on the inputs' device); null otherwise.
    /// </summary>
    public static ReluChainGradient? Of(ExplainableModel model, Tensor inputs)
    {
        if (inputs.dim() != 2 || inputs.dtype != ScalarType.Float32)
        {
            return null;
        }

        if (model is Fcnn fcnn)
        {
            var trained = fcnn.Trained;
            return trained.Activation == Activation.ReLU ? new ReluChainGradient([.. trained.Weights], [.. trained.Biases]) : null;
        }

        if (model.Output != ModelOutput.Logits || model.Structure.Layers is not { Count: > 0 } layers || layers.Count % 2 == 0)
        {
            return null;
        }

        var weights = new Tensor[(layers.Count + 1) / 2];
        var biases = new Tensor?[weights.Length];
        for (var i = 0; i < layers.Count; i++)
        {
            if (i % 2 == 1)
            {
                if (layers[i] is not ReLU)
                {
                    return null;
                }

                continue;
            }

            if (layers[i] is not Linear { weight: { } weight } linear || !Fits(weight, inputs) || (linear.bias is { } bias && !Fits(bias, inputs)))
            {
                return null;
            }

            weights[i / 2] = weight.detach();
            biases[i / 2] = linear.bias?.detach();
        }

        return weights[0].shape[1] == inputs.shape[1] ? new ReluChainGradient(weights, biases) : null;
    }

    /// <summary>Whether a parameter is float32 on the inputs' device.</summary>
    private static bool Fits(Tensor parameter, Tensor inputs) =>
        parameter.dtype == ScalarType.Float32 && parameter.device_type == inputs.device_type && parameter.device_index == inputs.device_index;

    /// <summary>
    /// <see cref="ModelOutputs.TargetGradient"/> for this chain: the gradient <c>[N, D]</c> of each row's target output in
    /// <paramref name="space"/>, a new contiguous tensor. With <paramref name="predictTargets"/> the targets are first
    /// overwritten with the argmax of the forward pass's logits. The logits are checked as the model's outputs are.
    /// </summary>
    public Tensor TargetGradient(ExplainableModel model, Tensor inputs, Tensor targets, OutputSpace space, bool predictTargets)
    {
        using var noGrad = no_grad();
        var layers = _weights.Length;
        var activations = new Tensor[layers - 1];
        var h = inputs;
        for (var l = 0; l < layers - 1; l++)
        {
            h = activations[l] = F.linear(h, _weights[l], _biases[l]).relu_();
        }

        var logits = F.linear(h, _weights[layers - 1], _biases[layers - 1]);
        ModelOutputs.CheckValues(model, logits);
        if (predictTargets)
        {
            targets.copy_(logits.argmax(1));
        }

        Tensor gradient;
        if (space == OutputSpace.Probabilities && logits.shape[1] > 1)
        {
            // softmax backward of the one-hot row e_t: p ⊙ (e_t − Σ_k e_t,k p_k) = p ⊙ (e_t − p_t), libtorch's own formula,
            // then back through the last Linear layer (grad · W, as addmm's backward).
            var target = targets.unsqueeze(1);
            var p = logits.softmax(-1);
            gradient = F.one_hot(targets, logits.shape[1]).sub(p.gather(1, target)).mul_(p).mm(_weights[layers - 1]);
        }
        else
        {
            // e_t · W is row t of W exactly (every other term is a product with 0).
            gradient = _weights[layers - 1].index_select(0, targets);
        }

        for (var l = layers - 2; l >= 0; l--)
        {
            // Through the ReLU after Linear l (times sign(a) ∈ {0, 1}: 0 where its output is 0), then through Linear l itself.
            gradient = gradient.mul_(activations[l].sign_()).mm(_weights[l]);
        }

        return gradient;
    }
}
