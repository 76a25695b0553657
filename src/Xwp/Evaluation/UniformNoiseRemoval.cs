using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// <see cref="RemovalValue.UniformNoise"/>: per image, D draws from <c>[low, high)</c> of a SplitMix64 stream whose
/// state starts at the seed mixed with an FNV-1a hash of the image's float32 bits.
/// </summary>
internal sealed class UniformNoiseRemoval(double low, double high, long seed) : PerImageRemoval
{
    public override Tensor Values(Tensor inputs)
    {
        var (rows, features) = ((int)inputs.shape[0], (int)inputs.shape[1]);
        using var cpu = inputs.detach().cpu().contiguous();
        var pixels = cpu.data<float>().ToArray();
        var noise = new float[pixels.Length];
        for (var i = 0; i < rows; i++)
        {
            Fill(pixels.AsSpan(i * features, features), noise.AsSpan(i * features, features));
        }

        return tensor(noise, [rows, features], float32).to(inputs.device);
    }

    /// <summary>The noise for one image (<paramref name="image"/> and <paramref name="into"/> of the same length).</summary>
    public void Fill(ReadOnlySpan<float> image, Span<float> into)
    {
        var state = unchecked((ulong)seed) ^ Hash(image);
        for (var j = 0; j < into.Length; j++)
        {
            var u = (Next(ref state) >> 11) * (1.0 / (1UL << 53));
            into[j] = (float)(low + ((high - low) * u));
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"uniform-noise[{low:R}, {high:R}) seed {seed}");

    /// <summary>FNV-1a over the float32 bit patterns of the image.</summary>
    private static ulong Hash(ReadOnlySpan<float> image)
    {
        var hash = 14695981039346656037UL;
        foreach (var value in image)
        {
            var bits = (uint)BitConverter.SingleToInt32Bits(value);
            for (var b = 0; b < 4; b++)
            {
                hash = unchecked((hash ^ ((bits >> (8 * b)) & 0xFF)) * 1099511628211UL);
            }
        }

        return hash;
    }

    /// <summary>SplitMix64 (Steele, Lea &amp; Flood, 2014).</summary>
    private static ulong Next(ref ulong state)
    {
        unchecked
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
