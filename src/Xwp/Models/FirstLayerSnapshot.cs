using System.Collections;
using System.IO.Compression;
using TorchSharp;
using TorchSharp.PyBridge;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The reference θ⁰ that XWP and XWP^c need of a model: a copy of its first Linear layer's weight
/// <c>[H, D]</c> at one moment — before training (the paper), or any earlier checkpoint. Only that weight is
/// kept: the first layer's bias and every later layer stay at their current (trained) values in both methods.
/// Capture it with <see cref="Capture"/> before the first optimiser step, or read it with <see cref="Load(string, nn.Module, string?)"/>
/// from a PyTorch <c>state_dict</c>, a safetensors file or a TorchScript file of the untrained model.
/// </summary>
public sealed class FirstLayerSnapshot : IDisposable
{
    private readonly Tensor _weight;
    private bool _disposed;

    private FirstLayerSnapshot(string layerName, Tensor weight, string source)
    {
        LayerName = layerName;
        _weight = weight;
        Source = source;
    }

    /// <summary>The first Linear layer's name in the module (e.g. <c>0</c> in a Sequential, or <c>fc1</c>).</summary>
    public string LayerName { get; }

    /// <summary>The weight's state_dict key, <c>{LayerName}.weight</c>.</summary>
    public string WeightName => LayerName + ".weight";

    /// <summary>Where the weight came from: <c>module</c>, or the file's path.</summary>
    public string Source { get; }

    /// <summary>The copied weight, float32 <c>[H, D]</c> on the CPU; owned by this object (do not dispose or modify it).</summary>
    /// <exception cref="ObjectDisposedException">The snapshot was disposed.</exception>
    public Tensor Weight
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _weight;
        }
    }

    /// <summary>
    /// Copies the current weight of <paramref name="module"/>'s first Linear layer. Call it before the first
    /// optimiser step to keep the paper's θ⁰. The first Linear layer is found by itself in a <c>Sequential</c>
    /// (its first child, after a leading Flatten); name it with <paramref name="layer"/> in any other module.
    /// </summary>
    /// <param name="module">The module (TorchSharp, or a loaded TorchScript module).</param>
    /// <param name="layer">The first Linear layer's name (e.g. <c>fc1</c>), or null to find it in a Sequential.</param>
    /// <returns>The snapshot; the caller owns it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="module"/> is null.</exception>
    /// <exception cref="ArgumentException">The layer is missing or not Linear (the message names it), or its weight is not finite.</exception>
    public static FirstLayerSnapshot Capture(nn.Module module, string? layer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var first = FirstLinear.Locate(module, layer, null);
        return Own(first.Name, first.Weight, "module");
    }

    /// <summary>A snapshot from a weight you already hold (e.g. read elsewhere); the tensor is copied.</summary>
    /// <param name="layerName">The first Linear layer's name in the module (e.g. <c>0</c> or <c>fc1</c>).</param>
    /// <param name="weight">The weight <c>[H, D]</c>, floating point and finite.</param>
    /// <returns>The snapshot; the caller owns it.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layerName"/> is empty, or <paramref name="weight"/> is not 2-D, not floating point or not finite.</exception>
    public static FirstLayerSnapshot FromWeight(string layerName, Tensor weight)
    {
        ArgumentException.ThrowIfNullOrEmpty(layerName);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() != 2 || !is_floating_point(weight))
        {
            throw new ArgumentException($"A first-layer weight is a floating-point [out, in] tensor; got {weight.dtype} {InputValidation.Shape(weight)}.", nameof(weight));
        }

        return Own(layerName, weight, "module");
    }

    /// <summary>
    /// Reads the reference weight of <paramref name="model"/>'s first Linear layer from a file: a PyTorch
    /// <c>state_dict</c> (<c>torch.save(model.state_dict(), path)</c>), a safetensors file, or a TorchScript
    /// file of the same architecture (e.g. the untrained model). The format is recognised from the content.
    /// The tensor <c>{layer}.weight</c> must exist, have the model's shape and be finite.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The (trained) module the snapshot is for; it decides the layer and the shape.</param>
    /// <param name="layer">The first Linear layer's name, or null to find it in a Sequential.</param>
    /// <returns>The snapshot; the caller owns it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the model's first layer is not Linear.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, lacks the tensor, or holds it with another shape or non-finite values; the message names the file and the tensor.</exception>
    public static FirstLayerSnapshot Load(string path, nn.Module model, string? layer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var first = FirstLinear.Locate(model, layer, null);
        return Load(path, first.Name, first.Weight.shape);
    }

    /// <summary>
    /// Reads the reference weight of a TorchScript model's first Linear layer from a file (a state_dict,
    /// safetensors, or a TorchScript file of the untrained model); the layer types come from the model's own
    /// file, so the first Linear of a scripted <c>Sequential</c> is found by itself.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The loaded (trained) TorchScript model.</param>
    /// <param name="layer">The first Linear layer's name, or null to find it in a Sequential.</param>
    /// <returns>The snapshot; the caller owns it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the model's first layer is not Linear.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, lacks the tensor, or holds it with another shape or non-finite values; the message names the file and the tensor.</exception>
    public static FirstLayerSnapshot Load(string path, TorchScriptModel model, string? layer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var first = FirstLinear.Locate(model.Module, layer, model.Layout);
        return Load(path, first.Name, first.Weight.shape);
    }

    /// <summary>Loads the weight <c>{layer}.weight</c> of shape <paramref name="shape"/> from a file (see <see cref="Load(string, nn.Module, string?)"/>).</summary>
    internal static FirstLayerSnapshot Load(string path, string layer, long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The snapshot file '{path}' does not exist.", path);
        }

        XwpRuntime.EnsureInitialized();
        var key = layer + ".weight";
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        string kind;
        try
        {
            (tensors, kind) = ReadAll(path);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InvalidDataException))
        {
            throw new InvalidDataException($"'{path}' cannot be read as a state_dict, safetensors or TorchScript file: {e.Message.Split('\n')[0]}", e);
        }

        if (!tensors.TryGetValue(key, out var weight))
        {
            var weights = tensors.Where(p => p.Value.dim() == 2).Select(p => $"'{p.Key}' {InputValidation.Shape(p.Value)}").Take(8);
            throw new InvalidDataException($"The {kind} '{path}' has no tensor '{key}' (the model's first Linear layer); its 2-D tensors: {string.Join(", ", weights)}.");
        }

        if (!weight.shape.SequenceEqual(shape))
        {
            throw new InvalidDataException(
                $"The tensor '{key}' in '{path}' has shape {InputValidation.Shape(weight)}, but the model's first Linear layer '{layer}' has [{string.Join(", ", shape)}].");
        }

        return Own(layer, weight, path);
    }

    /// <summary>Releases the weight.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _weight.Dispose();
    }

    private static FirstLayerSnapshot Own(string layer, Tensor weight, string source)
    {
        if (!is_floating_point(weight))
        {
            throw new InvalidDataException($"The tensor '{layer}.weight' from {source} holds {weight.dtype} values, not floating point.");
        }

        using var noGrad = no_grad();
        var copy = weight.detach().to(float32).cpu().clone();
        if (InputValidation.DescribeNonFinite(copy) is { } problem)
        {
            copy.Dispose();
            var message = $"The tensor '{layer}.weight' from {source} is not finite: {problem}.";
            throw source == "module" ? new ArgumentException(message) : new InvalidDataException(message);
        }

        return new FirstLayerSnapshot(layer, copy.DetachFromDisposeScope(), source);
    }

    /// <summary>Every tensor of a state_dict, safetensors or TorchScript file by name, and what kind of file it is (tensors in the caller's dispose scope).</summary>
    internal static (Dictionary<string, Tensor> Tensors, string Kind) ReadAll(string path)
    {
        bool zip;
        var start = new byte[9];
        long length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.Length;
            stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            zip = start[0] == 'P' && start[1] == 'K';
        }

        if (!zip)
        {
            // safetensors: an 8-byte little-endian header length, then that many bytes of JSON. Anything else (a .npy
            // array, a text file, an empty file) is named as such instead of with the JSON reader's error.
            var header = BitConverter.ToUInt64(start, 0);
            if (length < 10 || header > (ulong)(length - 8) || start[8] != '{')
            {
                throw new InvalidDataException(
                    $"'{path}' is not a state_dict (torch.save writes a zip archive), a safetensors file (an 8-byte header length, then " +
                    $"JSON) or a TorchScript file: {(length == 0 ? "it is empty" : $"it starts with the bytes {Convert.ToHexString(start, 0, (int)Math.Min(length, 4))}")}" +
                    $"{(start.AsSpan(1, 5).SequenceEqual("NUMPY"u8) ? " (a NumPy .npy array)" : "")}.");
            }

            return (Safetensors.LoadStateDict(path), "safetensors file");
        }

        bool script;
        try
        {
            using var archive = ZipFile.OpenRead(path);
            script = archive.Entries.Any(e => e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal));
        }
        catch (InvalidDataException e)
        {
            // The zip reader's own message ("End of Central Directory record could not be found.") names no file.
            throw new InvalidDataException(
                $"'{path}' starts like a zip archive (torch.save, TorchScript) but cannot be opened as one, e.g. because it is truncated: {e.Message}", e);
        }

        if (script)
        {
            var module = jit.load(path);
            var result = module.named_parameters().Select(p => (p.name, tensor: p.parameter.detach().clone()))
                .Concat(module.named_buffers().Select(b => (b.name, tensor: b.buffer.detach().clone())))
                .ToDictionary(p => p.name, p => p.tensor, StringComparer.Ordinal);
            module.Dispose();
            return (result, "TorchScript file");
        }

        var table = PyTorchUnpickler.UnpickleStateDict(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor value)
            {
                tensors[name] = value;
            }
        }

        return (tensors, "state_dict");
    }
}
