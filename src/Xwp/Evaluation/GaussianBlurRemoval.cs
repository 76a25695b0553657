using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary><see cref="RemovalValue.GaussianBlur"/>: each image blurred with a separable Gaussian, weights renormalised at the borders.</summary>
internal sealed class GaussianBlurRemoval(int width, int height, double sigma) : PerImageRemoval
{
    /// <summary>The kernel's half-width, ⌈3σ⌉.</summary>
    public int Radius { get; } = (int)Math.Ceiling(3 * sigma);

    /// <summary>The unnormalised weights <c>exp(−k²/(2σ²))</c>, k = −Radius … Radius.</summary>
    public float[] Kernel() =>
        [.. Enumerable.Range(-Radius, (2 * Radius) + 1).Select(k => (float)Math.Exp(-(k * k) / (2 * sigma * sigma)))];

    public override void Check(int features, string optionName)
    {
        if ((long)width * height != features)
        {
            throw new ArgumentException(
                $"The blur reads images of {height}×{width} = {(long)width * height} features; the model takes {features}.", optionName);
        }
    }

    public override Tensor Values(Tensor inputs)
    {
        var rows = inputs.shape[0];
        var kernel = tensor(Kernel(), float32).to(inputs.device);
        var size = kernel.shape[0];
        var across = kernel.view(1, 1, 1, size);
        var down = kernel.view(1, 1, size, 1);
        var images = inputs.view(rows, 1, height, width);
        var blurred = Blur(images, across, down);
        var weights = Blur(ones(1, 1, height, width, float32, inputs.device), across, down);
        return blurred.div_(weights).view(rows, -1);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"gaussian-blur(σ={sigma:R} px, {height}×{width})");

    private Tensor Blur(Tensor images, Tensor across, Tensor down) =>
        nn.functional.conv2d(
            nn.functional.conv2d(images, across, padding: [0, Radius]),
            down,
            padding: [Radius, 0]);
}
