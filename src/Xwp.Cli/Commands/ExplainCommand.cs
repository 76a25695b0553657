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
        Usage: xwp explain (--initial INIT.pt --trained TRAINED.pt | --model MODEL.xwp | --torchscript MODEL.pt [--model-output logits|probabilities])
                           --inputs X.npy [--targets Y.npy] --method METHOD --out A.npy
                           [--output-space probabilities|logits] [--activation relu|gelu|tanh|sigmoid|leakyrelu]
                           [--batch-size N] [--device cpu|cuda] [--threads N] [method flags]

          --initial, --trained  PyTorch state_dicts (torch.save(model.state_dict())) at initialisation and after training
          --model               a model saved by Xwp (Fcnn.Save), holding both snapshots
          --torchscript         any PyTorch model saved with torch.jit.script(model).save(path): inputs [N, ...], outputs [N, C]
          --model-output        what the TorchScript model returns: logits (default) or probabilities
          --inputs              float32/float64 [N, D] rows to explain ([N, ...] of any shape with --torchscript)
          --targets             int64/int32 [N] classes to explain (default: the predicted class)
          --out                 where to write the float32 attribution map, of the inputs' shape

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
        var attribution = ExplainMethods.Create(method, space, args);
        args.RejectUnknown();

        var model = modelArgs.Load();
        using var owner = model as IDisposable;
        using var inputs = ModelArguments.ReadInputs(inputsPath, model);
        var builder = model.Explain(inputs).WithBatchSize(batchSize);
        Tensor? targets = null;
        if (targetsPath is not null)
        {
            targets = NpyFile.ReadInt64Vector(targetsPath);
            if (targets.shape[0] != inputs.shape[0])
            {
                targets.Dispose();
                throw new InvalidDataException($"'{targetsPath}' has {targets.shape[0]} targets for {inputs.shape[0]} input rows.");
            }

            builder.For(targets);
        }

        var progress = new ConsoleProgress(Console.Error);
        Tensor map;
        try
        {
            map = builder.Using(attribution).WithProgress(progress).Compute();
        }
        catch (NotSupportedException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentOutOfRangeException e) when (ExplainMethods.FlagFor(e.ParamName) is { } flag)
        {
            throw new UsageException($"{flag}: {e.Message}");
        }

        using var mapOwner = map;
        targets?.Dispose();
        NpyFile.Write(outPath, map);
        progress.Finish();
        Console.WriteLine($"Wrote {method} attributions [{string.Join(", ", map.shape)}] to {outPath}.");
        return 0;
    }
}
