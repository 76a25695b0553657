using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// The flags that name a model, shared by `explain` and `evaluate`: `--initial`/`--trained` (PyTorch
/// state_dicts) or `--model` (an .xwp file), `--activation`, `--device` and `--threads`.
/// </summary>
internal sealed record ModelArguments(string? Initial, string? Trained, string? ModelPath, Activation Activation, string Device, int Threads)
{
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
          --activation          the PyTorch model's activation: relu (default), gelu, tanh, sigmoid, leakyrelu
          --device              cpu (default) or cuda;  --threads N  torch threads
        """;

    /// <summary>Reads the flags (call before <see cref="Arguments.RejectUnknown"/>).</summary>
    public static ModelArguments Read(Arguments args) => new(
        args.Optional("initial"),
        args.Optional("trained"),
        args.Optional("model"),
        args.Choice("activation", Activation.ReLU, Activations),
        args.Choice("device", "cpu", new Dictionary<string, string> { ["cpu"] = "cpu", ["cuda"] = "cuda" }),
        args.Threads(0));

    /// <summary>Checks that exactly one way of naming the model was used.</summary>
    /// <exception cref="UsageException">Neither or both were given.</exception>
    public void Validate()
    {
        if (ModelPath is null == (Initial is null || Trained is null))
        {
            throw new UsageException(ModelPath is null
                ? "Give both --initial and --trained, or --model."
                : "Give either --model or --initial/--trained, not both.");
        }
    }

    /// <summary>Applies --threads, loads the model and moves it to --device; the caller owns it.</summary>
    public Fcnn Load()
    {
        Validate();
        if (Threads > 0)
        {
            XwpRuntime.Threads = Threads;
        }

        var model = ModelPath is not null ? Fcnn.Load(ModelPath) : Fcnn.FromPyTorch(Initial!, Trained!, Activation);
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

    /// <summary>Reads float [N, D] inputs and checks D against the model.</summary>
    /// <exception cref="InvalidDataException">The file is bad or has the wrong number of features.</exception>
    public static Tensor ReadInputs(string path, Fcnn model)
    {
        var inputs = NpyFile.ReadFloat32Matrix(path);
        var features = inputs.shape[1];
        if (features != model.InputSize)
        {
            inputs.Dispose();
            throw new InvalidDataException($"'{path}' has {features} features per row; the model takes {model.InputSize}.");
        }

        return inputs;
    }
}
