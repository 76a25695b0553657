using Xwp.Data;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// A loaded dataset of 28×28 grey images: <see cref="Images"/> float32 <c>[N, 784]</c> with pixels
/// scaled to [0, 1] (row by row, light on black), <see cref="Labels"/> int64 <c>[N]</c>, the class
/// names, and where the data came from. Owns its two tensors; dispose it to free them.
/// </summary>
/// <remarks>Made by <see cref="Datasets"/>. The tensors are on the CPU and belong to no dispose scope.</remarks>
public sealed class ImageDataset : IDisposable
{
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private bool _disposed;

    internal ImageDataset(string name, string source, IReadOnlyList<string> classNames, LabeledPixels data, IReadOnlyList<string>? notes = null)
    {
        XwpRuntime.EnsureInitialized();
        Name = name;
        Source = source;
        ClassNames = classNames;
        Notes = notes ?? [];
        Count = data.Count;
        Fonts = data.Fonts;
        var counts = new int[classNames.Count];
        foreach (var label in data.Labels)
        {
            counts[label]++;
        }

        ClassCounts = counts;
        if (data.Fonts is not null)
        {
            var distinct = data.Fonts.Distinct(StringComparer.Ordinal).ToList();
            FontCount = distinct.Count;
            FontFamilyCount = data.Families is null
                ? null
                : distinct.Select(f => data.Families.TryGetValue(f, out var family) ? family : f).Distinct(StringComparer.Ordinal).Count();
        }

        using var scope = NewDisposeScope();
        var bytes = tensor(data.Pixels, [data.Count, LabeledPixels.PixelCount], ScalarType.Byte);
        _images = bytes.to_type(ScalarType.Float32).div_(255f).DetachFromDisposeScope();
        _labels = tensor(data.Labels, [data.Count], ScalarType.Int64).DetachFromDisposeScope();
    }

    /// <summary>What the data is: <c>Fashion-MNIST</c>, <c>TMNIST</c> or <c>TMNIST-style</c> (digits rendered by Xwp, never called TMNIST).</summary>
    public string Name { get; }

    /// <summary>Where the data came from, in one line: the files read, the fonts rendered, or the embedded set.</summary>
    public string Source { get; }

    /// <summary>
    /// Why this source was used and what was left out, one sentence each (e.g. that no TMNIST CSV was
    /// given and the embedded set was used, or how many fonts were skipped and why). May be empty.
    /// </summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The images, float32 <c>[N, 784]</c> on the CPU, each pixel (0–255 in the file) divided by 255.</summary>
    /// <exception cref="ObjectDisposedException">The dataset has been disposed.</exception>
    public Tensor Images
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _images;
        }
    }

    /// <summary>The class of each image, int64 <c>[N]</c> on the CPU, in 0 … <c>ClassNames.Count − 1</c>.</summary>
    /// <exception cref="ObjectDisposedException">The dataset has been disposed.</exception>
    public Tensor Labels
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _labels;
        }
    }

    /// <summary>The number of images N.</summary>
    public int Count { get; }

    /// <summary>The name of each class, indexed by label (Fashion-MNIST's clothing names, or "0" … "9").</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How many images each class has, indexed by label.</summary>
    public IReadOnlyList<int> ClassCounts { get; }

    /// <summary>
    /// For typeface digits, the font (style) each image was drawn in, e.g. <c>Roboto-BoldItalic</c>;
    /// null for Fashion-MNIST.
    /// </summary>
    public IReadOnlyList<string>? Fonts { get; }

    /// <summary>For typeface digits, the number of distinct fonts (digit sets); null for Fashion-MNIST.</summary>
    public int? FontCount { get; }

    /// <summary>For typeface digits, the number of distinct font families; null when not known.</summary>
    public int? FontFamilyCount { get; }

    /// <summary>Frees the two tensors.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _images.Dispose();
        _labels.Dispose();
    }
}
