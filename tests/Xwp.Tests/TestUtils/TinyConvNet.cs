using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Tests.TestUtils;

/// <summary>
/// A 2×2-kernel convolutional net on 4×4 images whose values can be worked out by hand:
/// Conv2d(1→1, kernel [[1, 0], [0, 1]], no bias) → ReLU → Flatten → Linear(9 → 2, no bias) with row 0
/// all ones and row 1 all zeros. For non-negative inputs the ReLU is inactive, so
/// logit₀(x) = Σ_windows (x[i, j] + x[i+1, j+1]) = Σ_p c_p x_p with
/// <code>
/// c = 1 1 1 0
///     1 2 2 1
///     1 2 2 1
///     0 1 1 1
/// </code>
/// (c_p = [p is a window's top-left] + [p is a window's bottom-right]), and logit₁ = 0.
/// </summary>
internal static class TinyConvNet
{
    public static nn.Module<Tensor, Tensor> Create()
    {
        var conv = nn.Conv2d(1, 1, 2, bias: false);
        var linear = nn.Linear(9, 2, hasBias: false);
        using (no_grad())
        {
            conv.weight!.copy_(tensor(new float[] { 1, 0, 0, 1 }, [1, 1, 2, 2]));
            linear.weight!.copy_(cat([ones(1, 9), zeros(1, 9)], 0));
        }

        return nn.Sequential(("conv", conv), ("relu", nn.ReLU()), ("flatten", nn.Flatten()), ("fc", linear));
    }

    /// <summary>x[i, j] = 4i + j as one image <c>[1, 1, 4, 4]</c>; logit₀ = 135 (see the class remarks).</summary>
    public static Tensor Ramp() => arange(16, dtype: float32).view(1, 1, 4, 4);

    /// <summary>c_p x_p for <see cref="Ramp"/>, row-major: the exact contribution of every pixel to logit₀.</summary>
    public static readonly float[] Contributions =
    [
        0, 1, 2, 0,
        4, 10, 12, 7,
        8, 18, 20, 11,
        0, 13, 14, 15,
    ];
}
