using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary><see cref="RemovalValue.ImageMean"/>: every feature of an image becomes the image's mean.</summary>
internal sealed class ImageMeanRemoval : PerImageRemoval
{
    public override Tensor Values(Tensor inputs) => inputs.mean([1], keepdim: true, type: float32).expand_as(inputs);

    public override string ToString() => "image-mean";
}
