using TorchSharp;
using Xwp.Attribution;
using Xwp.Attribution.Xwp;
using Xwp.Attribution.XwpComplement;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// XWP or XWP^c along training (docs/methods.md#checkpoint-series): given checkpoints c₀, c₁, …, c_K saved during
/// training, one map per checkpoint k ≥ 1 with the model at c_k and the first layer's reference weight taken from
/// c₀ — which features' first-layer changes since c₀ support the prediction at c_k.
/// </summary>
public static class CheckpointSeries
{
    /// <summary>
    /// Explains a TorchSharp module at every checkpoint after the first. Each checkpoint (a state_dict,
    /// safetensors or TorchScript file of the same architecture) is loaded into <paramref name="module"/> by
    /// parameter and buffer name; the module's own weights are restored afterwards.
    /// </summary>
    /// <param name="module">The architecture; its weights are replaced while this runs and restored at the end.</param>
    /// <param name="checkpoints">c₀ (the reference), then at least one later checkpoint.</param>
    /// <param name="inputs">Inputs <c>[N, …]</c> flattening to the first Linear layer's D features.</param>
    /// <param name="method"><see cref="Attributions.Xwp(XwpOptions?)"/> or <see cref="Attributions.XwpComplement(XwpComplementOptions?)"/>.</param>
    /// <param name="targets">Classes <c>[N]</c> to explain at every checkpoint; null for the class the last checkpoint predicts, so that every map explains the same class.</param>
    /// <param name="firstLayer">The first Linear layer's name, or null to find it in a Sequential.</param>
    /// <param name="output">What the module returns; logits by default.</param>
    /// <returns>Maps <c>[K, N, …]</c>, map k for checkpoint k + 1; the caller owns the tensor.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="targets"/> or <paramref name="firstLayer"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than two checkpoints, a method other than XWP or XWP^c, or the first layer is not Linear.</exception>
    /// <exception cref="FileNotFoundException">A checkpoint does not exist.</exception>
    /// <exception cref="InvalidDataException">A checkpoint lacks a tensor of the model, has another shape or non-finite values; the message names the file and the tensor.</exception>
    public static Tensor Explain(nn.Module<Tensor, Tensor> module, IReadOnlyList<string> checkpoints, Tensor inputs, AttributionMethod method, Tensor? targets = null, string? firstLayer = null, ModelOutput output = ModelOutput.Logits)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Run(ExplainableModel.FromModule((nn.IModule<Tensor, Tensor>)module, output), module, null, checkpoints, inputs, method, targets, firstLayer);
    }

    /// <summary>Like the module overload, for a loaded TorchScript model (its weights are restored afterwards).</summary>
    /// <param name="model">The architecture, loaded from any TorchScript file of it.</param>
    /// <param name="checkpoints">c₀ (the reference), then at least one later checkpoint.</param>
    /// <param name="inputs">Inputs <c>[N, …]</c>.</param>
    /// <param name="method">XWP or XWP^c.</param>
    /// <param name="targets">Classes <c>[N]</c>, or null for the class the last checkpoint predicts.</param>
    /// <param name="firstLayer">The first Linear layer's name, or null to find it in a Sequential.</param>
    /// <returns>Maps <c>[K, N, …]</c>; the caller owns the tensor.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="targets"/> or <paramref name="firstLayer"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than two checkpoints, a method other than XWP or XWP^c, or the first layer is not Linear.</exception>
    /// <exception cref="FileNotFoundException">A checkpoint does not exist.</exception>
    /// <exception cref="InvalidDataException">A checkpoint lacks a tensor of the model, has another shape or non-finite values.</exception>
    public static Tensor Explain(TorchScriptModel model, IReadOnlyList<string> checkpoints, Tensor inputs, AttributionMethod method, Tensor? targets = null, string? firstLayer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Run(model, model.Module, model.Layout, checkpoints, inputs, method, targets, firstLayer);
    }

    private static Tensor Run(ExplainableModel inner, nn.Module module, ScriptLayout? layout, IReadOnlyList<string> checkpoints, Tensor inputs, AttributionMethod method, Tensor? targets, string? firstLayer)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(method);
        if (checkpoints.Count < 2)
        {
            throw new ArgumentException("A checkpoint series needs the reference checkpoint and at least one later one.", nameof(checkpoints));
        }

        if (method is not (XwpAttribution or XwpComplementAttribution))
        {
            throw new ArgumentException($"A checkpoint series explains with XWP or XWP^c (the reference is the first checkpoint's first-layer weight), not '{method.Name}'.", nameof(method));
        }

        var first = FirstLinear.Locate(module, firstLayer, layout);
        var saved = ModuleWeights.Save(module);
        try
        {
            using var reference = FirstLayerSnapshot.Load(checkpoints[0], first.Name, first.Weight.shape);
            using var model = XwpModel.Wrap(inner, first, reference);
            Tensor fixedTargets;
            var classes = 0;
            if (targets is not null)
            {
                fixedTargets = targets.detach().to(int64).clone();
            }
            else
            {
                ModuleWeights.Load(module, checkpoints[^1]);
                using var explaining = model.BeginExplaining();
                using var scope = NewDisposeScope();
                fixedTargets = ModelOutputs.Predict(model, inputs.detach().to(float32).to(model.Device), out classes).to(inputs.device).MoveToOuterDisposeScope();
            }

            using (fixedTargets)
            {
                var maps = new List<Tensor>();
                try
                {
                    for (var k = 1; k < checkpoints.Count; k++)
                    {
                        ModuleWeights.Load(module, checkpoints[k]);
                        // The prediction's pass gave C: the checkpoints (same layers, other weights) need no probe each.
                        var builder = model.Explain(inputs).For(fixedTargets).Using(method);
                        maps.Add((classes > 0 ? builder.WithClassCount(classes) : builder).Compute());
                    }

                    return stack(maps);
                }
                finally
                {
                    foreach (var map in maps)
                    {
                        map.Dispose();
                    }
                }
            }
        }
        finally
        {
            ModuleWeights.Restore(module, saved);
            foreach (var t in saved.Values)
            {
                t.Dispose();
            }
        }
    }
}
