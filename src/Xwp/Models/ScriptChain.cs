using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// A TorchSharp copy of a scripted <c>nn.Sequential</c> for LRP, which needs each layer's type and
/// hyper-parameters: TorchSharp's loaded module hides both, so the layers are rebuilt from the class
/// constants the archive's code declares (<see cref="ScriptLayout.Details"/>) and the parameters and
/// buffers of the loaded module. Before every use the copy is refreshed from the loaded module and run
/// beside it on the batch (<see cref="Refresh"/>); a layer whose output differs is refused, so a misread
/// constant can never give a wrong map. Owns the layers it built: dispose it.
/// </summary>
internal sealed class ScriptChain : IDisposable
{
    /// <summary>The layer classes with an LRP rule (see <see cref="Attribution.Lrp.ChainLrp"/>).</summary>
    public const string Supported =
        "Linear, Conv2d, MaxPool2d, AvgPool2d, BatchNorm1d/2d, Flatten, ReLU, LeakyReLU, Dropout and Identity";

    private const string AnyModel =
        "Occlusion, feature ablation, KernelSHAP, Shapley value sampling, RISE, Integrated Gradients, saliency and Input×Gradient work on any model.";

    private readonly nn.Module<Tensor, Tensor>[] _layers;
    private readonly ScriptChild[] _children;
    private readonly string _path;

    private ScriptChain(string path, ScriptChild[] children, nn.Module<Tensor, Tensor>[] layers)
    {
        _path = path;
        _children = children;
        _layers = layers;
    }

    /// <summary>The rebuilt layers, in forward order, in eval mode.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Layers => _layers;

    /// <summary>Rebuilds the layers of a scripted Sequential (without parameters yet; <see cref="Refresh"/> copies them).</summary>
    /// <param name="path">The file, for messages.</param>
    /// <param name="layout">The layer types and constants read from the file; null when unreadable.</param>
    /// <param name="module">The loaded module, whose parameter names say which layers have a bias.</param>
    /// <exception cref="NotSupportedException">The root is not a Sequential, or a layer (named with its index and class) has no LRP rule or a configuration this copy does not support.</exception>
    public static ScriptChain Build(string path, ScriptLayout? layout, jit.ScriptModule module)
    {
        Dictionary<string, long[]> parameters;
        using (NewDisposeScope())
        {
            parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape, StringComparer.Ordinal);
        }

        if (layout is null || layout.Details.Count != layout.Children.Count)
        {
            throw new NotSupportedException(
                $"LRP cannot read the layers of the TorchScript model '{path}' (its archive has no readable class code). {AnyModel}");
        }

        if (!layout.IsSequential)
        {
            throw new NotSupportedException(
                $"LRP needs a chain of known layers, but the TorchScript model '{path}' is a {layout.RootType}, not an nn.Sequential, so the order " +
                $"in which its forward applies the layers is not known. Script an nn.Sequential of {Supported}; {AnyModel}");
        }

        if (layout.Details.Count == 0)
        {
            throw new NotSupportedException($"The TorchScript model '{path}' is an empty Sequential: LRP has no layer to propagate through.");
        }

        var layers = new List<nn.Module<Tensor, Tensor>>();
        try
        {
            for (var i = 0; i < layout.Details.Count; i++)
            {
                var layer = Rebuild(new Constants(path, i, layout.Details[i], parameters));
                layer.eval();
                layers.Add(layer);
            }
        }
        catch
        {
            foreach (var layer in layers)
            {
                layer.Dispose();
            }

            throw;
        }

        return new ScriptChain(path, [.. layout.Details], [.. layers]);
    }

    /// <summary>
    /// Copies the loaded module's current parameters and buffers into the rebuilt layers, then runs both on
    /// <paramref name="inputs"/> layer by layer and as a whole.
    /// </summary>
    /// <param name="module">The loaded module (in eval mode).</param>
    /// <param name="inputs">The batch about to be explained.</param>
    /// <exception cref="NotSupportedException">A layer's output, or the final output, differs from the loaded module's: the message names the file and the layer.</exception>
    public void Refresh(jit.ScriptModule module, Tensor inputs)
    {
        using var scope = NewDisposeScope();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer, StringComparer.Ordinal);
        var scripted = module.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        using var noGrad = no_grad();
        for (var i = 0; i < _layers.Length; i++)
        {
            var prefix = _children[i].Name + ".";
            foreach (var (name, target) in _layers[i].named_parameters())
            {
                target.copy_(Source(parameters, prefix + name, i));
            }

            foreach (var (name, target) in _layers[i].named_buffers())
            {
                if (name != "num_batches_tracked")
                {
                    target.copy_(Source(buffers, prefix + name, i));
                }
            }
        }

        var mine = inputs;
        var theirs = inputs;
        for (var i = 0; i < _layers.Length; i++)
        {
            mine = _layers[i].call(mine);
            theirs = scripted.TryGetValue(_children[i].Name, out var child) && child is jit.ScriptModule s
                ? (Tensor)s.invoke("forward", theirs)
                : throw new NotSupportedException($"The TorchScript model '{_path}' has no child '{_children[i].Name}' although its code declares one; LRP cannot follow it.");
            if (Differs(mine, theirs) is { } difference)
            {
                throw new NotSupportedException(
                    $"LRP refused the TorchScript model '{_path}': the rebuilt layer {i} ('{_children[i].Name}', {_children[i].Type}) gives outputs " +
                    $"that differ from the scripted layer's ({difference}), so its hyper-parameters were not read correctly and its relevance would be wrong. {AnyModel}");
            }

            theirs = mine;
        }

        var whole = module.call(inputs) as Tensor ?? throw new NotSupportedException($"The TorchScript model '{_path}' does not return one tensor.");
        if (Differs(mine, whole) is { } final)
        {
            throw new NotSupportedException(
                $"LRP refused the TorchScript model '{_path}': applying its layers in order does not give the model's output ({final}); " +
                $"its forward is not a plain Sequential chain. {AnyModel}");
        }
    }

    /// <summary>Disposes the rebuilt layers.</summary>
    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }

    /// <summary>Null when the outputs agree to float32 rounding (|Δ| ≤ 1e-5 · (1 + max |reference|)); else what differs.</summary>
    private static string? Differs(Tensor mine, Tensor reference)
    {
        if (!mine.shape.SequenceEqual(reference.shape))
        {
            return $"shape [{string.Join(", ", mine.shape)}] instead of [{string.Join(", ", reference.shape)}]";
        }

        var a = mine.to(float64);
        var b = reference.to(float64);
        var largest = b.numel() == 0 ? 0 : b.abs().max().item<double>();
        var gap = b.numel() == 0 ? 0 : a.sub(b).abs().max().item<double>();
        return gap <= 1e-5 * (1 + largest) ? null : string.Create(CultureInfo.InvariantCulture, $"largest difference {gap:G3}, largest value {largest:G3}");
    }

    private Tensor Source(Dictionary<string, Tensor> tensors, string name, int layer) =>
        tensors.TryGetValue(name, out var value)
            ? value
            : throw new NotSupportedException(
                $"The TorchScript model '{_path}' has no tensor '{name}' for layer {layer} ('{_children[layer].Name}', {_children[layer].Type}); LRP cannot rebuild the layer. {AnyModel}");

    private static nn.Module<Tensor, Tensor> Rebuild(Constants c) => c.Child.Type switch
    {
        "Linear" => nn.Linear(c.Size("in_features", "weight", 1), c.Size("out_features", "weight", 0), hasBias: c.HasParameter("bias")),
        "Conv2d" => Conv2d(c),
        "MaxPool2d" => MaxPool2d(c),
        "AvgPool2d" => nn.AvgPool2d(
            c.Pair("kernel_size"), c.Pair("stride"), c.Pair("padding"), c.Bool("ceil_mode"), c.Bool("count_include_pad"),
            c.IsNone("divisor_override") ? null : c.Int("divisor_override")),
        "BatchNorm1d" => nn.BatchNorm1d(c.Int("num_features"), c.Double("eps"), c.Double("momentum"), c.Bool("affine"), RunningStatistics(c)),
        "BatchNorm2d" => nn.BatchNorm2d(c.Int("num_features"), c.Double("eps"), c.Double("momentum"), c.Bool("affine"), RunningStatistics(c)),
        "Flatten" => nn.Flatten(c.Int("start_dim"), c.Int("end_dim")),
        "ReLU" => nn.ReLU(),
        "LeakyReLU" => nn.LeakyReLU(c.Double("negative_slope")),
        "Dropout" => nn.Dropout(c.Double("p")),
        "Identity" => nn.Identity(),
        "Sequential" => throw c.Refuse(
            $"is an nn.Sequential inside the nn.Sequential; LRP reads one flat chain, so put its layers in the outer one " +
            $"(nn.Sequential(*inner, *rest)). LRP supports {Supported}"),
        _ => throw c.Refuse($"has no LRP rule. LRP supports {Supported}"),
    };

    private static nn.Module<Tensor, Tensor> Conv2d(Constants c)
    {
        if (c.IsString("padding"))
        {
            throw c.Refuse($"has padding={c.Text("padding")}; LRP supports Conv2d with numeric padding only (e.g. padding=1 instead of 'same')");
        }

        // Padding other than zeros works with the ε-rule only; ChainLrp refuses z⁺ and αβ on such a layer, naming it.
        var mode = c.Text("padding_mode") switch
        {
            "\"zeros\"" => PaddingModes.Zeros,
            "\"reflect\"" => PaddingModes.Reflect,
            "\"replicate\"" => PaddingModes.Replicate,
            "\"circular\"" => PaddingModes.Circular,
            var other => throw c.Refuse($"has padding_mode {other}, which LRP does not know"),
        };

        return nn.Conv2d(
            c.Int("in_channels"), c.Int("out_channels"), c.Pair("kernel_size"), c.Pair("stride"), c.Pair("padding"), c.Pair("dilation"),
            mode, c.Int("groups"), bias: c.HasParameter("bias"));
    }

    private static nn.Module<Tensor, Tensor> MaxPool2d(Constants c)
    {
        if (c.Bool("return_indices"))
        {
            throw c.Refuse("returns indices (return_indices=True); LRP needs a MaxPool2d that returns one tensor");
        }

        return nn.MaxPool2d(c.Pair("kernel_size"), c.Pair("stride"), c.Pair("padding"), c.Pair("dilation"), c.Bool("ceil_mode"));
    }

    private static bool RunningStatistics(Constants c) =>
        c.Bool("track_running_stats")
            ? true
            : throw c.Refuse("has track_running_stats=False, so even in eval mode it normalises with the batch's own statistics and one input's relevance would depend on the others");

    /// <summary>The constants of one child, with errors that name the file, the layer and the constant.</summary>
    private sealed class Constants(string path, int index, ScriptChild child, Dictionary<string, long[]> parameters)
    {
        public ScriptChild Child { get; } = child;

        public NotSupportedException Refuse(string why) =>
            new($"LRP cannot run on the TorchScript model '{path}': layer {index} ('{Child.Name}', {Child.Type}) {why}. {AnyModel}");

        public string Text(string name) =>
            Child.Constants.TryGetValue(name, out var value)
                ? value
                : throw Refuse(
                    $"declares no constant '{name}' in the file's code, so LRP cannot rebuild it (files made with torch.jit.trace keep no layer settings: " +
                    "save with torch.jit.script(model).save(path))");

        public bool IsNone(string name) => Text(name) == "None";

        public bool IsString(string name) => Text(name).StartsWith('"') || Text(name).StartsWith('\'');

        public bool HasParameter(string name) => parameters.ContainsKey($"{Child.Name}.{name}");

        /// <summary>A size from the class's constant, or else (a traced file keeps no constants) from a parameter's shape.</summary>
        public long Size(string constant, string parameter, int dimension) =>
            !Child.Constants.ContainsKey(constant) && parameters.TryGetValue($"{Child.Name}.{parameter}", out var shape) && shape.Length > dimension
                ? shape[dimension]
                : Int(constant);

        public long Int(string name) =>
            long.TryParse(Text(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Refuse($"has {name} = {Text(name)}, which is not an integer");

        public double Double(string name) =>
            double.TryParse(Text(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Refuse($"has {name} = {Text(name)}, which is not a number");

        public bool Bool(string name) => Text(name) switch
        {
            "True" => true,
            "False" => false,
            var other => throw Refuse($"has {name} = {other}, which is not True or False"),
        };

        /// <summary>An <c>int</c> or a 2-tuple <c>(a, b)</c>.</summary>
        public (long, long) Pair(string name)
        {
            var text = Text(name).Trim();
            if (text.StartsWith('(') && text.EndsWith(')'))
            {
                var parts = text[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 &&
                    long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a) &&
                    long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b))
                {
                    return (a, b);
                }

                throw Refuse($"has {name} = {text}, which is not a pair of integers");
            }

            var n = Int(name);
            return (n, n);
        }
    }
}
