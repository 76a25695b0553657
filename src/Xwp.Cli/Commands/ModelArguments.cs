using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// The flags that name a model, shared by `explain` and `evaluate`: `--initial`/`--trained` (PyTorch
/// state_dicts), `--model` (an .xwp file) or `--torchscript` (any scripted PyTorch model, with
/// `--model-output`), `--activation`, `--device` and `--threads`.
/// </summary>
internal sealed record ModelArguments(string? Initial, string? Trained, string? ModelPath, string? TorchScript, ModelOutput Output, Activation Activation, string Device, int Threads, IReadOnlyList<string>? LayerOrder = null, string? FirstLayer = null)
{
    private static readonly Dictionary<string, ModelOutput> Outputs = new()
    {
        ["logits"] = ModelOutput.Logits,
        ["probabilities"] = ModelOutput.Probabilities,
    };

    private static readonly Dictionary<string, Activation> Activations = new()
    {
        ["relu"] = Activation.ReLU,
        ["gelu"] = Activation.GELU,
        ["tanh"] = Activation.Tanh,
        ["sigmoid"] = Activation.Sigmoid,
        ["leakyrelu"] = Activation.LeakyReLU,
    };

    /// <summary>Usage text for these flags.</summary>
    public const string Usage = """
          --initial, --trained  PyTorch state_dicts (torch.save(model.state_dict())) at initialisation and after training
          --model               a model saved by Xwp (Fcnn.Save), holding both snapshots
          --torchscript         any PyTorch model saved with torch.jit.script(model).save(path): inputs [N, ...], outputs [N, C]
                                (XWP and XWP^c need --initial too; LRP needs an nn.Sequential of known layers)
          --initial (with --torchscript)  the first Linear layer's weight before training: a state_dict saved before
                                training, a safetensors file, or a TorchScript file of the untrained model
          --first-layer         the first Linear layer's name (found by itself in a Sequential, after a leading Flatten)
          --model-output        what the TorchScript model returns: logits (default) or probabilities
          --activation          the PyTorch model's activation: relu (default), gelu, tanh, sigmoid, leakyrelu
          --layer-order         the state_dicts' Linear layers from input to output, e.g. fc_in,fc_hidden,fc_out
                                (needed only when their names do not give the order)
          --device              cpu (default) or cuda;  --threads N  torch threads
        """;

    /// <summary>Reads the flags (call before <see cref="Arguments.RejectUnknown"/>).</summary>
    /// <exception cref="UsageException">A flag is given that does not apply to the way the model is named.</exception>
    public static ModelArguments Read(Arguments args) => RejectInapplicable(args, new(
        args.Optional("initial"),
        args.Optional("trained"),
        args.Optional("model"),
        args.Optional("torchscript"),
        args.Choice("model-output", ModelOutput.Logits, Outputs),
        args.Choice("activation", Activation.ReLU, Activations),
        args.Choice("device", "cpu", new Dictionary<string, string> { ["cpu"] = "cpu", ["cuda"] = "cuda" }),
        args.Threads(0),
        LayerOrderOption(args.Optional("layer-order")),
        args.Optional("first-layer")));

    /// <summary>
    /// Refuses flags that would be silently ignored: --activation and --layer-order describe state_dicts
    /// (--initial/--trained); --model-output describes a --torchscript model.
    /// </summary>
    private static ModelArguments RejectInapplicable(Arguments args, ModelArguments read)
    {
        var stateDicts = read.Initial is not null || read.Trained is not null;
        var other = read.ModelPath is not null ? "--model (an .xwp file records its activation and layers)" : read.TorchScript is not null ? "--torchscript (the scripted forward runs as saved)" : null;
        foreach (var flag in new[] { "activation", "layer-order" })
        {
            if (!stateDicts && other is not null && args.Optional(flag) is not null)
            {
                throw new UsageException($"--{flag} applies only to --initial/--trained (PyTorch state_dicts), not to {other}.");
            }
        }

        if (read.TorchScript is null && args.Optional("model-output") is not null)
        {
            throw new UsageException("--model-output applies only to --torchscript; --model and --initial/--trained models return logits.");
        }

        return read;
    }

    /// <summary>
    /// Refuses --initial and --first-layer beside --torchscript when no XWP method runs: they give the first Linear
    /// layer's weight before training, which only XWP and XWP^c read (every other method runs the scripted model as
    /// saved). With --initial/--trained, --initial is half of the model and always read.
    /// </summary>
    /// <param name="method">The --method given, or null when none is (evaluate scores maps without running one).</param>
    /// <exception cref="UsageException">--initial or --first-layer is given with --torchscript and a method other than xwp or xwpc.</exception>
    public void RejectUnusedSnapshot(string? method)
    {
        if (TorchScript is null || method is "xwp" or "xwpc")
        {
            return;
        }

        var flag = Initial is not null ? "initial" : FirstLayer is not null ? "first-layer" : null;
        if (flag is not null)
        {
            var instead = method is null ? "to scoring maps without --method" : $"to {method}";
            throw new UsageException(
                $"--{flag} with --torchscript applies only to --method xwp and xwpc (the first Linear layer's weight before training), not {instead}; leave it out.");
        }
    }

    /// <summary>The model files given, by option, for checks that an output does not overwrite one.</summary>
    public (string Option, string? Path)[] Files =>
        [("initial", Initial), ("trained", Trained), ("model", ModelPath), ("torchscript", TorchScript)];

    /// <summary>Checks that exactly one way of naming the model was used.</summary>
    /// <exception cref="UsageException">Neither or both were given.</exception>
    public void Validate()
    {
        if (TorchScript is not null && Initial is not null && Trained is null && ModelPath is null)
        {
            return;
        }

        if (FirstLayer is not null && TorchScript is null)
        {
            throw new UsageException("--first-layer goes with --torchscript and --initial (an Fcnn's first layer is known).");
        }

        var ways = (ModelPath is null ? 0 : 1) + (TorchScript is null ? 0 : 1) + (Initial is null && Trained is null ? 0 : 1);
        if (ways != 1 || (ModelPath is null && TorchScript is null && (Initial is null || Trained is null)))
        {
            throw new UsageException(ways > 1
                ? "Give one of --model, --torchscript or --initial/--trained, not several."
                : "Give both --initial and --trained, or --model, or --torchscript.");
        }
    }

    /// <summary>Applies --threads, loads the model and moves it to --device; the caller owns it (every model it returns is <see cref="IDisposable"/>).</summary>
    /// <param name="warnings">Where a warning about the model goes (standard error when null).</param>
    /// <param name="series">True when `--checkpoints` supplies the weights: `--first-layer` then goes without `--initial`.</param>
    public ExplainableModel Load(TextWriter? warnings = null, bool series = false)
    {
        Validate();
        CheckFileKinds();
        if (Threads > 0)
        {
            XwpRuntime.Threads = Threads;
        }

        if (TorchScript is not null)
        {
            if (Device == "cuda")
            {
                throw new UsageException("--device cuda is not supported with --torchscript yet; the model runs on the CPU.");
            }

            var script = TorchScriptModel.Load(TorchScript, Output);
            if (Initial is null)
            {
                if (FirstLayer is not null && !series)
                {
                    script.Dispose();
                    throw new UsageException("--first-layer names the layer whose initial weight --initial gives; give --initial too.");
                }

                return script;
            }

            try
            {
                using var snapshot = FirstLayerSnapshot.Load(Initial, script, FirstLayer);
                var xwp = XwpModel.FromTorchScript(script, snapshot, ownsModel: true);
                WarnIfUnchanged(xwp, warnings ?? Console.Error);
                return xwp;
            }
            catch
            {
                script.Dispose();
                throw;
            }
        }

        var model = ModelPath is not null
            ? Fcnn.Load(ModelPath)
            : Fcnn.FromPyTorch(Initial!, Trained!, new PyTorchImportOptions { Activation = Activation, LayerOrder = LayerOrder });
        WarnIfUnchanged(model, warnings ?? Console.Error);
        if (Device == "cuda")
        {
            if (!cuda.is_available())
            {
                model.Dispose();
                throw new InvalidOperationException("--device cuda was asked for, but CUDA is not available (build with -p:TorchBackend=cuda-linux).");
            }

            model.MoveTo(CUDA);
        }

        return model;
    }

    /// <summary>
    /// Refuses a TorchScript archive given where a state_dict is expected (--initial/--trained without --torchscript),
    /// a state_dict given to --torchscript, and either given to --model, saying which option takes the file; the library's own messages name its API.
    /// </summary>
    /// <exception cref="UsageException">A model file was given to the option for the other kind.</exception>
    private void CheckFileKinds()
    {
        if (ModelPath is not null && File.Exists(ModelPath))
        {
            switch (PyTorchStateDict.ArchiveKind(ModelPath))
            {
                case PyTorchArchive.TorchScript:
                    throw new UsageException($"--model '{ModelPath}' is a TorchScript model, not an Xwp model file (Fcnn.Save); pass it with --torchscript {ModelPath}.");
                case PyTorchArchive.Saved:
                    throw new UsageException($"--model '{ModelPath}' is a state_dict (torch.save), not an Xwp model file (Fcnn.Save); pass the state_dicts before and after training with --initial and --trained.");
            }
        }

        if (TorchScript is null)
        {
            foreach (var (option, path) in new[] { ("trained", Trained), ("initial", Initial) })
            {
                if (path is not null && File.Exists(path) && PyTorchStateDict.ArchiveKind(path) == PyTorchArchive.TorchScript)
                {
                    throw new UsageException(option == "trained"
                        ? $"--trained '{path}' is a TorchScript model, not a state_dict; pass it with --torchscript {path} (and the state_dict saved before training with --initial)."
                        : $"--initial '{path}' is a TorchScript model, not a state_dict; pass the trained TorchScript model with --torchscript and this untrained one with --initial, or give state_dicts (torch.save(model.state_dict())) to both.");
                }
            }
        }
        else if (File.Exists(TorchScript) && PyTorchStateDict.ArchiveKind(TorchScript) == PyTorchArchive.Saved)
        {
            throw new UsageException(
                $"--torchscript '{TorchScript}' is a state_dict (torch.save), not a TorchScript model; pass state_dicts of Linear layers with --initial and --trained, or save the model with torch.jit.script(model).save(path).");
        }
    }

    /// <summary>
    /// Reads float inputs: <c>[N, D]</c> with D checked against an FCNN, any <c>[N, ...]</c> for another model.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is bad, not floating point, of rank below 2, has the wrong number of features, or holds a non-finite value.</exception>
    public static Tensor ReadInputs(string path, ExplainableModel model) =>
        model is Fcnn fcnn ? ReadInputs(path, fcnn) : InputFiles.ReadModelBatch(path, model);

    /// <summary>Reads a float array <c>[N, ...]</c> (rank at least 2) as float32, e.g. maps of any shape.</summary>
    /// <exception cref="InvalidDataException">The file is bad, not floating point, or of rank below 2.</exception>
    public static Tensor ReadBatch(string path, string what)
    {
        var raw = NpyFile.Read(path);
        if (raw.dtype is not (ScalarType.Float32 or ScalarType.Float64) || raw.dim() < 2)
        {
            var message = $"'{path}' holds {raw.dtype} [{string.Join(", ", raw.shape)}]; {what} must be float32 or float64 [N, ...] with at least two dimensions.";
            raw.Dispose();
            throw new InvalidDataException(message);
        }

        if (raw.dtype == ScalarType.Float32)
        {
            return raw;
        }

        using (raw)
        {
            return raw.to(float32);
        }
    }

    /// <summary>
    /// XWP and XWP^c measure what training changed: with θ⁰ = θ every score is 0. Loading still succeeds
    /// (the maps are well defined), but the user almost certainly passed the same file twice.
    /// </summary>
    private void WarnIfUnchanged(Fcnn model, TextWriter warnings)
    {
        if (!model.IsTrained || !model.Initial.BitwiseEquals(model.Trained))
        {
            return;
        }

        var what = ModelPath is not null
            ? $"'{ModelPath}' holds the same weights before and after training"
            : Path.GetFullPath(Initial!) == Path.GetFullPath(Trained!)
                ? $"--initial and --trained name the same file, '{Initial}'"
                : $"--initial '{Initial}' and --trained '{Trained}' hold identical weights";
        warnings.WriteLine($"xwp: warning: {what}, so every XWP and XWP^c score will be 0 (they measure what training changed).");
    }

    /// <summary>
    /// The same check for `--torchscript` with `--initial`: a reference weight equal to the scripted model's first layer (the
    /// trained file given again, or a checkpoint saved after training) makes every XWP and XWP^c score 0.
    /// </summary>
    private void WarnIfUnchanged(XwpModel model, TextWriter warnings)
    {
        using var scope = NewDisposeScope();
        var first = model.FirstLayer; // Weight is a new detached view (disposed with the scope); Initial stays the model's
        var weight = first.Weight.dtype == first.Initial.dtype ? first.Weight : first.Weight.to(first.Initial.dtype);
        if (weight.shape.SequenceEqual(first.Initial.shape) && weight.cpu().contiguous().bytes.SequenceEqual(first.Initial.cpu().contiguous().bytes))
        {
            warnings.WriteLine($"xwp: warning: --initial '{Initial}' holds the same '{model.FirstLayerName}.weight' as --torchscript " +
                               $"'{TorchScript}', so every XWP and XWP^c score will be 0 (they measure what training changed).");
        }
    }

    /// <summary>`--layer-order a,b,c`: the names before `.weight`, input layer first.</summary>
    private static string[]? LayerOrderOption(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var names = text.Split(',', StringSplitOptions.TrimEntries);
        return names.Length > 0 && names.All(n => n.Length > 0)
            ? names
            : throw new UsageException($"--layer-order takes the layer names from input to output, separated by commas (e.g. fc_in,fc_out), not '{text}'.");
    }

    /// <summary>Reads float [N, D] inputs and checks D against the model and that every value is finite.</summary>
    /// <exception cref="InvalidDataException">The file is bad, has the wrong number of features or a non-finite value.</exception>
    public static Tensor ReadInputs(string path, Fcnn model) => InputFiles.ReadMatrix(path, model.InputSize);
}
