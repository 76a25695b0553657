using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Xwp.Attribution.Xwp;

/// <summary>
/// Builds the rank-1 path's perturbed first-layer rows <c>a(start[image_r] + scale_r · Δᵀ[feature_r])</c> for a
/// chunk of (image, feature) pairs, where <c>a</c> is the identity or ReLU. On the CPU with float32 tensors
/// this is one pass that writes each row once (gathering the two source rows while they sit in cache);
/// the equivalent torch ops (two gathers, a multiply-add and a ReLU) stream the chunk through memory four
/// times, which cost about a third of XWP's time. Elsewhere (GPU, other dtypes) the torch ops run.
/// </summary>
internal static class PerturbedRows
{
    /// <summary>
    /// Writes row r of <paramref name="destination"/> (<c>[n, H]</c>, n = the pairs' count) as
    /// <c>a(start[image[r]] + scale[r] · deltaT[feature[r]])</c>; <paramref name="relu"/> chooses <c>a</c>.
    /// </summary>
    /// <param name="start">Unperturbed pre-activations <c>[B, H]</c>.</param>
    /// <param name="deltaT">The per-feature first-layer change <c>[D, H]</c> (row i = column i of W⁰ − W).</param>
    /// <param name="image">int64 <c>[n]</c>: each pair's row of <paramref name="start"/>.</param>
    /// <param name="feature">int64 <c>[n]</c>: each pair's row of <paramref name="deltaT"/>.</param>
    /// <param name="scale">float32 <c>[n]</c>: each pair's factor (the feature's value, signed by the perturbation).</param>
    /// <param name="relu">Whether to apply ReLU to each element.</param>
    /// <param name="destination">float32 <c>[n, H]</c>, overwritten.</param>
    public static void Fill(Tensor start, Tensor deltaT, Tensor image, Tensor feature, Tensor scale, bool relu, Tensor destination)
    {
        if (!CanFuse(start, deltaT, image, feature, scale, destination))
        {
            var rows = start.index_select(0, image).addcmul_(deltaT.index_select(0, feature), scale.unsqueeze(1), value: 1);
            destination.copy_(relu ? rows.relu_() : rows);
            return;
        }

        Fused(start, deltaT, image, feature, scale, relu, destination);
    }

    private static bool CanFuse(Tensor start, Tensor deltaT, Tensor image, Tensor feature, Tensor scale, Tensor destination) =>
        new[] { start, deltaT, scale, destination }.All(t => t.dtype == ScalarType.Float32 && t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous()) &&
        new[] { image, feature }.All(t => t.dtype == ScalarType.Int64 && t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous()) &&
        !start.requires_grad && !deltaT.requires_grad;

    private static unsafe void Fused(Tensor start, Tensor deltaT, Tensor image, Tensor feature, Tensor scale, bool relu, Tensor destination)
    {
        var width = (int)start.shape[1];
        var rows = image.shape[0];
        var starts = (nint)Pointer(start);
        var deltas = (nint)Pointer(deltaT);
        var images = (nint)Pointer(image);
        var features = (nint)Pointer(feature);
        var scales = (nint)Pointer(scale);
        var output = (nint)Pointer(destination);
        var parts = (int)Math.Clamp(Math.Min(get_num_threads(), rows / 64), 1, 64);

        void Part(int part)
        {
            var first = rows * part / parts;
            var last = rows * (part + 1) / parts;
            for (var r = first; r < last; r++)
            {
                var source = (float*)starts + (((long*)images)[r] * width);
                var delta = (float*)deltas + (((long*)features)[r] * width);
                Row(source, delta, ((float*)scales)[r], (float*)output + (r * width), width, relu);
            }
        }

        if (parts == 1)
        {
            Part(0);
        }
        else
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, Part);
        }

        GC.KeepAlive(start);
        GC.KeepAlive(deltaT);
        GC.KeepAlive(image);
        GC.KeepAlive(feature);
        GC.KeepAlive(scale);
        GC.KeepAlive(destination);
    }

    private static unsafe void Row(float* source, float* delta, float s, float* output, int width, bool relu)
    {
        var k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(s);
            var count = Vector<float>.Count;
            for (; k <= width - count; k += count)
            {
                var value = Unsafe.ReadUnaligned<Vector<float>>(source + k) + (factor * Unsafe.ReadUnaligned<Vector<float>>(delta + k));
                Unsafe.WriteUnaligned(output + k, relu ? Vector.Max(value, Vector<float>.Zero) : value);
            }
        }

        for (; k < width; k++)
        {
            var value = source[k] + (s * delta[k]);
            output[k] = relu ? MathF.Max(value, 0f) : value;
        }
    }

    /// <summary>The address of a CPU tensor's first element (the caller keeps the tensor alive).</summary>
    internal static unsafe void* Pointer(Tensor t) => Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
}
