using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>Every parameter and buffer of a module: saved, restored, or loaded by name from a checkpoint file.</summary>
internal static class ModuleWeights
{
    /// <summary>Copies of every parameter and buffer, by name (outside any dispose scope; dispose them).</summary>
    public static Dictionary<string, Tensor> Save(nn.Module module)
    {
        using var noGrad = no_grad();
        return Live(module).ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    /// <summary>Writes saved copies back into the module.</summary>
    public static void Restore(nn.Module module, Dictionary<string, Tensor> saved)
    {
        using var noGrad = no_grad();
        foreach (var (name, live) in Live(module))
        {
            live.detach().copy_(saved[name]);
        }
    }

    /// <summary>
    /// Loads every parameter and buffer of <paramref name="module"/> from a state_dict, safetensors or
    /// TorchScript file, by name.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape, or holds non-finite values; the message names the file and the tensor.</exception>
    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The checkpoint '{path}' does not exist.", path);
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Dictionary<string, Tensor> tensors;
        try
        {
            (tensors, _) = FirstLayerSnapshot.ReadAll(path);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InvalidDataException))
        {
            throw new InvalidDataException($"'{path}' cannot be read as a state_dict, safetensors or TorchScript file: {e.Message.Split('\n')[0]}", e);
        }

        var live = Live(module);
        foreach (var (name, target) in live)
        {
            if (!tensors.TryGetValue(name, out var value))
            {
                throw new InvalidDataException($"The checkpoint '{path}' has no tensor '{name}' (the model has it, shape {InputValidation.Shape(target)}).");
            }

            if (!value.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"The tensor '{name}' in '{path}' has shape {InputValidation.Shape(value)}, but the model's has {InputValidation.Shape(target)}.");
            }

            if (is_floating_point(value) && InputValidation.DescribeNonFinite(value.to(float32)) is { } problem)
            {
                throw new InvalidDataException($"The tensor '{name}' in '{path}' is not finite: {problem}.");
            }
        }

        foreach (var (name, target) in live)
        {
            target.detach().copy_(tensors[name].to(target.dtype).to(target.device));
        }
    }

    private static Dictionary<string, Tensor> Live(nn.Module module) =>
        module.named_parameters().Select(p => (p.name, tensor: (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, tensor: b.buffer)))
            .ToDictionary(p => p.name, p => p.tensor, StringComparer.Ordinal);
}
