using TorchSharp;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>`xwp explain`: attribution maps for inputs in a .npy file.</summary>
internal sealed class ExplainCommand : ICommand
{
    private static readonly Dictionary<string, OutputSpace> Spaces = new()
    {
        ["probabilities"] = OutputSpace.Probabilities,
        ["logits"] = OutputSpace.Logits,
    };

    public string Name => "explain";

    public string Summary => "Attribution maps for the rows of a .npy file.";

    public string Usage => """
        Usage: xwp explain (--initial INIT.pt --trained TRAINED.pt | --model MODEL.xwp | --torchscript MODEL.pt [--initial INIT.pt] [--first-layer NAME] [--model-output logits|probabilities])
                           --inputs X.npy [--targets Y.npy] --method METHOD --out A.npy
                           [--output-space probabilities|logits] [--activation relu|gelu|tanh|sigmoid|leakyrelu]
                           [--all-classes] [--checkpoints C0.pt,C1.pt,... [--picture P.png]] [--batch-size N] [--device cpu|cuda] [--threads N] [--layer-order A,B,C] [method flags]

          --initial, --trained  PyTorch state_dicts (torch.save(model.state_dict())) at initialisation and after training
          --model               a model saved by Xwp (Fcnn.Save), holding both snapshots
          --torchscript         any PyTorch model saved with torch.jit.script(model).save(path): inputs [N, ...], outputs [N, C]
          --initial (with --torchscript)  the first Linear layer's weight before training, for XWP and XWP^c:
                                torch.save(model.state_dict()) before training, a safetensors file, or a TorchScript file of
                                the untrained model
          --first-layer         the first Linear layer's name; found by itself in a Sequential (after a leading Flatten);
                                name it inside a nested Sequential, e.g. 0.0
          --model-output        what the TorchScript model returns: logits (default) or probabilities
          --inputs              float32/float64 [N, D] rows to explain ([N, ...] of any shape with --torchscript)
          --targets             int64/int32 [N] classes to explain (default: the predicted class)
          --checkpoints         c0.pt,c1.pt,...: with --torchscript (the architecture) and --method xwp|xwpc, one map per
                                checkpoint after the first, relative to the first: --out gets [K, N, ...]
          --picture             with --checkpoints: a PNG of the first few inputs' maps along the checkpoints
          --all-classes         explain every class: maps [N, C, ...] (XWP and XWP^c at about the cost of one class)
          --out                 where to write the float32 attribution map, of the inputs' shape
          --layer-order         the state_dicts' Linear layers from input to output (e.g. fc_in,fc_hidden,fc_out),
                                needed only when their names do not give the order

        """ + "Methods: " + string.Join(", ", ExplainMethods.Names) + "\n" + ExplainMethods.Usage;

    public int Run(Arguments args)
    {
        var modelArgs = ModelArguments.Read(args);
        var inputsPath = args.Required("inputs");
        var targetsPath = args.Optional("targets");
        var method = args.Required("method");
        var outPath = args.Required("out");
        OutputSpace? space = args.Optional("output-space") is null ? null : args.Choice("output-space", OutputSpace.Probabilities, Spaces);
        var batchSize = args.Int("batch-size", 256, min: 1);
        var allClasses = args.Flag("all-classes");
        var checkpoints = args.Optional("checkpoints")?.Split(',', StringSplitOptions.TrimEntries);
        var picture = args.Optional("picture");
        if (allClasses && targetsPath is not null)
        {
            throw new UsageException("--all-classes explains every class; it does not take --targets.");
        }

        var attribution = ExplainMethods.Create(method, space, args);
        args.RejectUnknown();
        modelArgs.RejectUnusedSnapshot(method);
        OutputPaths.CheckFiles(
            [("out", outPath), ("picture", picture)],
            [("inputs", inputsPath), ("targets", targetsPath), .. modelArgs.Files, .. (checkpoints ?? []).Select(c => ("checkpoints", (string?)c))]);
        if (checkpoints is not null)
        {
            return CheckpointSeriesRun.Run(modelArgs, checkpoints, inputsPath, targetsPath, method, attribution, allClasses, outPath, picture);
        }

        if (picture is not null)
        {
            throw new UsageException("--picture draws a checkpoint series; it goes with --checkpoints.");
        }

        var model = modelArgs.Load();
        using var owner = model as IDisposable;
        using var inputs = ModelArguments.ReadInputs(inputsPath, model);
        var builder = model.Explain(inputs).WithBatchSize(batchSize);
        using var targets = targetsPath is null ? null : InputFiles.ReadTargets(targetsPath, inputs.shape[0], inputsPath, Xwp.Attribution.ModelOutputs.ClassCount(model, inputs));
        if (targets is not null)
        {
            builder.For(targets);
        }
        else if (allClasses)
        {
            builder.ForAllClasses();
        }

        var progress = ConsoleProgress.ForStandardError();
        Tensor computed;
        try
        {
            using var ctrlC = CtrlC.Listen();
            computed = builder.Using(attribution).WithProgress(progress).WithCancellation(ctrlC.Token).Compute();
        }
        catch (NotSupportedException e) when (method is "xwp" or "xwpc" && model is not Fcnn)
        {
            // XWP and XWP^c need the first layer's θ⁰, which a TorchScript model gets from --initial: the options do not fit
            // together. Every other refusal (e.g. LRP's, naming the layer it cannot follow) is a one-line model error.
            throw new UsageException(modelArgs.TorchScript is not null && modelArgs.Initial is null
                ? $"{e.Message} On the command line: add --initial INIT.pt (the state_dict saved before training, or a TorchScript file of the untrained model)."
                : e.Message);
        }
        catch (ArgumentOutOfRangeException e) when (ExplainMethods.FlagFor(e.ParamName) is { } flag)
        {
            throw new UsageException($"{flag}: {FailureReport.WithoutParameter(e)}");
        }
        catch (ArgumentException e) when (ExplainMethods.FeatureMaskMismatch(e, args) is { } mismatch)
        {
            throw mismatch;
        }
        finally
        {
            // End the progress line on a terminal, so that an error message starts on a line of its own.
            progress.Finish();
        }

        using var map = computed;
        NpyFile.Write(outPath, map);
        Console.WriteLine($"Wrote {method} attributions [{string.Join(", ", map.shape)}] to {outPath}.");
        return 0;
    }
}
