using TorchSharp;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// A model saved by PyTorch with <c>torch.jit.script(model).save("model.pt")</c> (or <c>torch.jit.trace</c>),
/// loaded with TorchSharp's <c>torch.jit.load</c>: a forward function from inputs <c>[N, …]</c> to outputs
/// <c>[N, C]</c>, as logits or probabilities. Owns the loaded module: dispose it.
/// </summary>
/// <remarks>
/// Files saved by PyTorch 1.13 load in TorchSharp 0.107. While an explanation or evaluation runs the
/// module is in eval mode (BatchNorm uses its running statistics, Dropout is off); a file whose BatchNorm layers keep no
/// running statistics (<c>track_running_stats=False</c>) is refused then, since they normalise with the batch's own. LRP works when the file is a
/// scripted <c>nn.Sequential</c> of the layers it has rules for: the chain is rebuilt from the layer settings compiled
/// into the file and checked against the module on every batch (see <see cref="LrpOptions"/>).
/// </remarks>
public sealed class TorchScriptModel : ExplainableModel, IDisposable
{
    private readonly jit.ScriptModule<Tensor, Tensor> _module;
    private Models.ScriptChain? _lrpChain;
    private bool _disposed;

    private TorchScriptModel(jit.ScriptModule<Tensor, Tensor> module, ModelOutput output, string path)
    {
        _module = module;
        Output = output;
        Path = path;
    }

    /// <summary>The layer types read from the file (TorchSharp's loaded module does not expose them); null when unreadable.</summary>
    internal Models.ScriptLayout? Layout { get; private init; }

    /// <summary>The file the model was loaded from.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override ModelOutput Output { get; }

    /// <inheritdoc/>
    public override Device Device => _module.parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>The loaded module, e.g. to read its parameters; it stays owned by this object.</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public jit.ScriptModule<Tensor, Tensor> Module
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _module;
        }
    }

    /// <summary>Loads a TorchScript file on the CPU.</summary>
    /// <param name="path">The <c>.pt</c> file written by <c>torch.jit.save</c> / <c>ScriptModule.save</c>.</param>
    /// <param name="output">What the module returns; logits by default.</param>
    /// <returns>The model; the caller owns it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="output"/> is not a defined value.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a TorchScript module TorchSharp can load; the message names the file.</exception>
    public static TorchScriptModel Load(string path, ModelOutput output = ModelOutput.Logits)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Enum.IsDefined(output))
        {
            throw new ArgumentOutOfRangeException(nameof(output), output, "Unknown model output.");
        }

        IO.FileKinds.CheckReadable(path, "TorchScript file");

        XwpRuntime.EnsureInitialized();
        jit.ScriptModule<Tensor, Tensor> module;
        try
        {
            module = jit.load<Tensor, Tensor>(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException && Models.PyTorchStateDict.ArchiveKind(path) == Models.PyTorchArchive.Saved)
        {
            // The loader's own words ("failed locating file constants.pkl") do not say what the file is.
            throw new InvalidDataException(
                $"'{path}' is a torch.save'd object such as a state_dict, not a TorchScript model; load a state_dict of Linear layers with Fcnn.FromPyTorch, " +
                "or save the model with torch.jit.script(model).save(path).", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"'{path}' is not a TorchScript module that can be loaded (save it with torch.jit.script(model).save(path)): {FirstLine(e.Message)}", e);
        }

        return new TorchScriptModel(module, output, path) { Layout = Models.ScriptLayout.TryRead(path), BatchStatisticsLayers = Models.BatchStatistics.InScript(path) };
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="ModelForwardException">
    /// The module failed on these inputs (e.g. a shape it cannot take; <see cref="ModelForwardException.Reason"/> holds the
    /// interpreter's error line), or its forward returned something other than one tensor (e.g. a tuple).
    /// </exception>
    public override Tensor Forward(Tensor inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return _module.call(inputs);
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("TorchScript interpreter", StringComparison.Ordinal))
        {
            var reason = InterpreterError(e.Message);
            throw new ModelForwardException(
                $"The TorchScript model '{Path}' failed on inputs of shape [{string.Join(", ", inputs.shape)}]: {reason}", reason, inputs.shape, e);
        }
        catch (InvalidCastException e)
        {
            const string reason = "the model returned a tuple or another non-tensor value; Xwp needs a module whose forward returns one tensor [N, C]";
            var what = e.Message.Contains("ValueTuple", StringComparison.Ordinal) ? "a tuple" : "a value that is not one tensor";
            throw new ModelForwardException(
                $"The TorchScript model '{Path}' returned {what}; Xwp needs a module whose forward returns one tensor [N, C] (return only the class scores, e.g. out[0]).",
                reason, inputs.shape, e);
        }
    }

    /// <summary>Releases the loaded module.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _lrpChain?.Dispose();
        _module.Dispose();
    }

    internal override void ThrowIfNotReady() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal override nn.Module? ParameterModule => _disposed ? throw new ObjectDisposedException(nameof(TorchScriptModel)) : _module;

    internal override string Subject => $"The TorchScript model '{Path}'";

    /// <summary>The classes of the file's BatchNorm layers that keep no running statistics (see <see cref="Models.BatchStatistics"/>).</summary>
    internal IReadOnlyList<string> BatchStatisticsLayers { get; private init; } = [];

    /// <exception cref="InvalidOperationException">The file has a BatchNorm layer without running statistics; the message names the file and the layer class.</exception>
    internal override IDisposable BeginExplaining()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (BatchStatisticsLayers.Count > 0)
        {
            throw Models.BatchStatistics.Refusal(Subject, BatchStatisticsLayers);
        }

        return new Models.EvalMode(_module);
    }

    /// <summary>
    /// The scripted Sequential rebuilt as TorchSharp layers (once; see <see cref="Models.ScriptChain"/>), refreshed with the
    /// module's current parameters and checked against the module on <paramref name="inputs"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The root is not a Sequential, a layer has no LRP rule, or a rebuilt layer disagrees with the scripted one; the message names the file and the layer.</exception>
    internal override IReadOnlyList<nn.Module<Tensor, Tensor>> LrpLayers(Tensor inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_lrpChain is null)
        {
            var chain = Models.ScriptChain.Build(Path, Layout, _module);
            if (Device.type != DeviceType.CPU)
            {
                foreach (var layer in chain.Layers)
                {
                    layer.to(Device);
                }
            }

            _lrpChain = chain;
        }

        _lrpChain.Refresh(_module, inputs);
        return _lrpChain.Layers;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>
    /// The useful line of a TorchScript interpreter failure: the last <c>SomethingError: text</c> line of its
    /// traceback, without the error type (or the last non-empty line when there is none).
    /// </summary>
    internal static string InterpreterError(string message)
    {
        var lines = message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = lines.LastOrDefault(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^[A-Za-z_.]*(Error|Exception): "));
        if (error is null)
        {
            return lines.LastOrDefault() ?? message;
        }

        return error[(error.IndexOf(": ", StringComparison.Ordinal) + 2)..];
    }
}
