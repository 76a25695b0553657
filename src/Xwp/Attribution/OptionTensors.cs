using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// Tensors passed in options (baselines, masks, feature groups): checked when the options are
/// validated and copied to managed memory when the method is built, so that a method never holds
/// on to — or depends on the lifetime of — a tensor that stays the caller's.
/// </summary>
internal static class OptionTensors
{
    /// <summary>Throws, naming <paramref name="option"/>, unless the tensor is alive, of the given rank(s) and finite.</summary>
    public static void Check(Tensor tensor, string option, params int[] ranks)
    {
        if (tensor.IsInvalid)
        {
            throw new ArgumentOutOfRangeException(option, "The tensor has been disposed.");
        }

        if (!ranks.Contains((int)tensor.dim()))
        {
            throw new ArgumentOutOfRangeException(option, $"Expected a tensor of rank {string.Join(" or ", ranks)}, got shape [{string.Join(", ", tensor.shape)}].");
        }

        if (tensor.numel() == 0)
        {
            throw new ArgumentOutOfRangeException(option, "The tensor is empty.");
        }

        if (is_floating_point(tensor))
        {
            if (!InputValidation.AllFinite(tensor))
            {
                throw new ArgumentOutOfRangeException(option, "The tensor holds NaN or infinite values.");
            }
        }
        else if (is_complex(tensor) || tensor.dtype == ScalarType.Bool)
        {
            throw new ArgumentOutOfRangeException(option, $"Expected a real tensor, got {tensor.dtype}.");
        }
    }

    /// <summary>The values as float32, row-major, in managed memory.</summary>
    public static float[] Floats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>The values as int64, row-major, in managed memory.</summary>
    public static long[] Longs(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(int64).cpu().contiguous().data<long>().ToArray();
    }
}
