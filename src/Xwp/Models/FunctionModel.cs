using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>A forward function (Captum's <c>forward_func</c>) as an <see cref="ExplainableModel"/>.</summary>
internal sealed class FunctionModel(Func<Tensor, Tensor> forward, ModelOutput output, Device device, long[]? inputShape) : ExplainableModel
{
    public override ModelOutput Output { get; } = output;

    public override Device Device { get; } = device;

    public override IReadOnlyList<long>? InputShape { get; } = inputShape;

    public override Tensor Forward(Tensor inputs) => forward(inputs);
}
