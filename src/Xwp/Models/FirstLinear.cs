using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// A module's first Linear layer as XWP needs it: its name, its live weight and bias, and — when the module
/// is a <c>Sequential</c> whose children are (optionally a Flatten, then) the Linear and the rest — the rest
/// as a function of the layer's output.
/// </summary>
internal sealed record FirstLinear(string Name, Tensor Weight, Tensor? Bias, Func<Tensor, Tensor>? Rest)
{
    /// <summary>
    /// When the layer after the first Linear is a ReLU: the layers after that ReLU as a function of its output
    /// (the rank-1 path applies the ReLU while it builds its rows); null otherwise.
    /// </summary>
    public Func<Tensor, Tensor>? RestAfterReLU { get; init; }

    /// <summary>
    /// When the layer after that ReLU is Linear: it and the layers after it (the rank-1 path leaves out the
    /// units the ReLU zeroes); null otherwise.
    /// </summary>
    public Attribution.Xwp.NextLinear? NextLinear { get; init; }

    /// <summary>The weight's state_dict key.</summary>
    public string WeightName => Name + ".weight";

    /// <summary>
    /// Finds the first Linear layer: <paramref name="layer"/> when given, otherwise the first child of a
    /// <c>Sequential</c> after a leading Flatten. <paramref name="layout"/> gives the layer types of a
    /// TorchScript module (TorchSharp does not); without it a scripted layer is taken as Linear when it holds a
    /// 2-D <c>weight</c>, optionally a 1-D <c>bias</c>, and no buffers.
    /// </summary>
    /// <exception cref="ArgumentException">No such layer, or it is not Linear; the message names it and says which methods work.</exception>
    public static FirstLinear Locate(nn.Module module, string? layer, ScriptLayout? layout)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var buffers = module.named_buffers().Select(b => b.name).ToHashSet(StringComparer.Ordinal);
        var children = module.named_children().ToList();
        var sequential = module is TorchSharp.Modules.Sequential || layout?.IsSequential == true;

        if (layer is null)
        {
            if (!sequential)
            {
                throw new ArgumentException(
                    $"The model is a {TypeName(module, layout)}, not a Sequential, so its first layer in forward order is not known: {NameTheLayer(parameters)} " +
                    $"Its children: {string.Join(", ", children.Select(c => $"'{c.name}' ({TypeName(c.module, layout, c.name)})"))}. {NotLinear}");
            }

            var index = 0;
            while (index < children.Count && TypeName(children[index].module, layout, children[index].name) == "Flatten")
            {
                index++;
            }

            if (index >= children.Count || !IsLinear(children[index].name, children[index].module, layout, parameters, buffers))
            {
                var what = index >= children.Count ? "nothing" : $"'{children[index].name}' ({TypeName(children[index].module, layout, children[index].name)})";
                throw new ArgumentException($"The first layer of this Sequential is {what}, not Linear. {NameTheLayer(parameters)} {NotLinear}");
            }

            layer = children[index].name;
        }
        else if (!parameters.ContainsKey(layer + ".weight"))
        {
            var linears = parameters.Keys.Where(k => k.EndsWith(".weight", StringComparison.Ordinal) && parameters[k].dim() == 2).Select(k => k[..^".weight".Length]);
            throw new ArgumentException($"The model has no layer '{layer}' with a weight; layers with a 2-D weight: {string.Join(", ", linears.Select(l => $"'{l}'"))}.");
        }
        else if (layout is null && module is not jit.ScriptModule && !IsTorchSharpLinear(module, layer))
        {
            throw new ArgumentException($"The layer '{layer}' is not a Linear layer: {NotLinear}");
        }
        else if (layout?.TypeOf(layer) is { } type && type != "Linear")
        {
            throw new ArgumentException($"The layer '{layer}' is a {type}, not a Linear layer: {NotLinear}");
        }

        if (sequential)
        {
            // In a Sequential the order of the children is the forward order: a named layer with anything but
            // Flatten before it does not see the input, whatever its input size.
            var top = layer.Split('.')[0];
            var at = children.FindIndex(c => c.name == top);
            var before = children.Take(Math.Max(0, at)).FirstOrDefault(c => TypeName(c.module, layout, c.name) != "Flatten");
            if (at > 0 && before.module is not null)
            {
                throw new ArgumentException(
                    $"The layer '{layer}' is not the first layer of this Sequential: '{before.name}' ({TypeName(before.module, layout, before.name)}) runs before it. " +
                    "XWP perturbs the weights of the layer that takes the (flattened) input; leave the layer unnamed to use the first one.");
            }
        }

        var weight = parameters[layer + ".weight"];
        if (weight.dim() != 2)
        {
            throw new ArgumentException($"The layer '{layer}' has a weight of shape {InputValidation.Shape(weight)}; a Linear weight is [out, in]. {NotLinear}");
        }

        parameters.TryGetValue(layer + ".bias", out var bias);
        if (!sequential)
        {
            return new FirstLinear(layer, weight, bias, null);
        }

        var position = children.FindIndex(c => c.name == layer);
        var reluNext = position >= 0 && position + 1 < children.Count &&
            (children[position + 1].module is TorchSharp.Modules.ReLU || (layout?.TypeOf(children[position + 1].name) == "ReLU"));
        return new FirstLinear(layer, weight, bias, RestOf(module, children, layer, layout, skip: 0))
        {
            RestAfterReLU = reluNext ? RestOf(module, children, layer, layout, skip: 1) : null,
            NextLinear = reluNext ? NextLinearAt(module, children, position + 2, weight, layout, parameters) : null,
        };
    }

    /// <summary>
    /// The API that names the first Linear layer when it cannot be found by itself; the CLI shows its option
    /// (<c>--first-layer</c>) in its place.
    /// </summary>
    public const string LayerArgument = "the layer argument of FirstLayerSnapshot.Capture or FirstLayerSnapshot.Load";

    /// <summary>
    /// Advice for a first Linear layer that is not found by itself (e.g. inside a nested Sequential): name it, and the
    /// candidates, the layers whose weight is 2-D (a Linear weight is [out, in]), in the module's order.
    /// </summary>
    private static string NameTheLayer(Dictionary<string, Tensor> parameters)
    {
        var candidates = parameters.Where(p => p.Key.EndsWith(".weight", StringComparison.Ordinal) && p.Value.dim() == 2)
            .Select(p => $"'{p.Key[..^".weight".Length]}'").ToList();
        return candidates.Count == 0
            ? "It has no layer with a 2-D weight, so no Linear layer that XWP could perturb."
            : $"If its first Linear layer is inside another module, name it with {LayerArgument}; the layers with a 2-D weight are {string.Join(", ", candidates)}.";
    }

    /// <summary>What to say when the first layer is not Linear.</summary>
    public const string NotLinear =
        "XWP and XWP^c perturb the weights of a first Linear layer over the (flattened) input. " +
        "Occlusion, feature ablation, KernelSHAP, Shapley value sampling, RISE, Integrated Gradients, saliency, Input×Gradient, random and input magnitude work on any model; LRP on Sequential chains of known layers.";

    private static Func<Tensor, Tensor>? RestOf(nn.Module module, List<(string name, nn.Module module)> children, string layer, ScriptLayout? layout, int skip)
    {
        var index = children.FindIndex(c => c.name == layer);
        if (index < 0 || children.Take(index).Any(c => TypeName(c.module, layout, c.name) != "Flatten"))
        {
            return null;
        }

        var rest = children.Skip(index + 1 + skip).Select(c => c.module).ToArray();
        if (module is jit.ScriptModule)
        {
            var scripted = rest.Cast<jit.ScriptModule>().ToArray();
            return h =>
            {
                foreach (var m in scripted)
                {
                    h = (Tensor)m.invoke("forward", h);
                }

                return h;
            };
        }

        var layers = rest.Cast<nn.Module<Tensor, Tensor>>().ToArray();
        return h =>
        {
            foreach (var m in layers)
            {
                h = m.call(h);
            }

            return h;
        };
    }

    /// <summary>The Linear child at <paramref name="index"/> that takes the first layer's H outputs, with the rest after it; null when there is none.</summary>
    private static Attribution.Xwp.NextLinear? NextLinearAt(nn.Module module, List<(string name, nn.Module module)> children, int index, Tensor first, ScriptLayout? layout, Dictionary<string, Tensor> parameters)
    {
        if (index >= children.Count)
        {
            return null;
        }

        var (name, child) = children[index];
        var linear = child is TorchSharp.Modules.Linear || layout?.TypeOf(name) == "Linear";
        if (!linear || !parameters.TryGetValue(name + ".weight", out var weight) || weight.dim() != 2 || weight.shape[1] != first.shape[0])
        {
            return null;
        }

        parameters.TryGetValue(name + ".bias", out var bias);
        var rest = RestOf(module, children, children[index - 2].name, layout, skip: 2);
        return rest is null ? null : new Attribution.Xwp.NextLinear(weight, bias, rest);
    }

    private static bool IsLinear(string name, nn.Module child, ScriptLayout? layout, Dictionary<string, Tensor> parameters, HashSet<string> buffers)
    {
        if (child is TorchSharp.Modules.Linear)
        {
            return true;
        }

        if (child is not jit.ScriptModule)
        {
            return false;
        }

        if (layout?.TypeOf(name) is { } type)
        {
            return type == "Linear";
        }

        // No layout: a Linear holds a 2-D weight, optionally a 1-D bias, and no buffers.
        var own = parameters.Keys.Where(k => k.StartsWith(name + ".", StringComparison.Ordinal)).ToList();
        return parameters.TryGetValue(name + ".weight", out var w) && w.dim() == 2 &&
            own.All(k => k == name + ".weight" || (k == name + ".bias" && parameters[k].dim() == 1)) &&
            !buffers.Any(b => b.StartsWith(name + ".", StringComparison.Ordinal));
    }

    private static bool IsTorchSharpLinear(nn.Module module, string layer) =>
        module.named_modules().FirstOrDefault(m => m.name == layer).module is TorchSharp.Modules.Linear;

    private static string TypeName(nn.Module module, ScriptLayout? layout, string? child = null) =>
        child is not null && layout?.TypeOf(child) is { } type ? type
        : child is null && layout is not null ? layout.RootType
        : module is jit.ScriptModule ? "scripted module" : module.GetType().Name;
}
