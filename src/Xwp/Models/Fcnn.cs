using TorchSharp;
using TorchSharp.Modules;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// A fully connected classifier with its two snapshots: θ⁰, taken when it is created (before any
/// optimiser step), and θ, taken when it is marked trained. XWP and XWP^c need both
/// (Lympelopoulos &amp; Kanellopoulou, "From Weight Perturbation to Feature Attribution", §3.3).
/// </summary>
/// <remarks>
/// The live <see cref="Module"/> is what a training loop updates; explanations and predictions use
/// the trained snapshot θ, so training further without calling <see cref="MarkTrained"/> does not
/// change explanations. The model owns native memory: dispose it.
/// </remarks>
public sealed class Fcnn : ExplainableModel, IDisposable
{
    private readonly Sequential _module;
    private readonly Linear[] _linears;
    private FcnnSnapshot _initial;
    private FcnnSnapshot? _trained;
    private bool _disposed;

    private Fcnn(IReadOnlyList<int> sizes, Activation activation, double slope, FcnnSnapshot initial, FcnnSnapshot? trained)
    {
        LayerSizes = sizes.ToArray();
        Activation = activation;
        LeakyReLUSlope = slope;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        _linears = new Linear[sizes.Count - 1];
        for (var i = 0; i < _linears.Length; i++)
        {
            _linears[i] = nn.Linear(sizes[i], sizes[i + 1]);
            modules.Add(($"{2 * i}", _linears[i]));
            if (i < _linears.Length - 1)
            {
                modules.Add(($"{(2 * i) + 1}", ActivationModule(activation, slope)));
            }
        }

        _module = nn.Sequential(modules);
        _initial = initial;
        _trained = trained;
        LoadIntoModule(trained ?? initial);
    }

    /// <summary>Neurons per layer, input first and classes last.</summary>
    public IReadOnlyList<int> LayerSizes { get; }

    /// <summary>Number of input features D.</summary>
    public int InputSize => LayerSizes[0];

    /// <summary>Number of classes C.</summary>
    public int ClassCount => LayerSizes[^1];

    /// <summary>The activation between linear layers.</summary>
    public Activation Activation { get; }

    /// <summary>The negative slope used when <see cref="Activation"/> is <see cref="Activation.LeakyReLU"/>.</summary>
    public double LeakyReLUSlope { get; }

    /// <summary>Whether θ has been captured (by <see cref="Train"/>, <see cref="MarkTrained"/> or loading).</summary>
    public bool IsTrained => _trained is not null;

    /// <summary>The device the model lives on; explanations run there.</summary>
    public override Device Device => _initial.Device;

    /// <summary>Logits: the forward function returns the trained network's pre-softmax scores.</summary>
    public override ModelOutput Output => ModelOutput.Logits;

    /// <summary><c>[D]</c>: one input is a row of <see cref="InputSize"/> features.</summary>
    public override IReadOnlyList<long>? InputShape => [InputSize];

    internal override FcnnSnapshot? FcnnParameters => Trained;

    internal override Attribution.Xwp.FirstLayerAccess FirstLayer
    {
        get
        {
            var trained = Trained;
            return new Attribution.Xwp.FirstLayerAccess(
                trained.Weights[0],
                Initial.Weights[0],
                (x, w) => trained.Logits(x, w),
                x => trained.FirstLayer(x),
                trained.HeadInPlace,
                Attribution.ModelOutputs.FromLogits,
                budget => Attribution.ForwardChunks.Rank1Rows(this, budget),
                trained.Activation == Activation.ReLU && trained.Weights.Count > 1 ? trained.HeadAfterActivationInPlace : null,
                trained.Activation == Activation.ReLU && trained.Weights.Count > 1
                    ? new Attribution.Xwp.NextLinear(trained.Weights[1], trained.Biases[1], trained.HeadAfterSecondLinearInPlace)
                    : null);
        }
    }

    /// <summary>
    /// The live network (<c>nn.Sequential</c> of <c>Linear</c> and activation modules, returning logits)
    /// for your own training loop. Call <see cref="MarkTrained"/> when it is done.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public nn.Module<Tensor, Tensor> Module
    {
        get
        {
            ThrowIfDisposed();
            return _module;
        }
    }

    internal FcnnSnapshot Initial
    {
        get
        {
            ThrowIfDisposed();
            return _initial;
        }
    }

    internal FcnnSnapshot Trained
    {
        get
        {
            ThrowIfDisposed();
            return _trained ?? throw new InvalidOperationException(
                "The model has no trained snapshot θ yet: call Train(...) or, after your own training loop, MarkTrained().");
        }
    }

    /// <summary>Creates a network and captures its initial snapshot θ⁰.</summary>
    /// <param name="options">Layer sizes, activation and seed; null for the paper's defaults.</param>
    /// <param name="device">Where the network lives; null for the CPU.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static Fcnn Create(FcnnOptions? options = null, Device? device = null)
    {
        options ??= new FcnnOptions();
        options.Validate();
        XwpRuntime.EnsureInitialized();
        var sizes = options.LayerSizes;
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)options.Seed, CPU);
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        for (var i = 0; i < sizes.Count - 1; i++)
        {
            // PyTorch's nn.Linear default: kaiming_uniform(a=√5) on the weight gives U(±1/√fan_in); same bound for the bias.
            var bound = 1.0 / Math.Sqrt(sizes[i]);
            weights.Add(empty([sizes[i + 1], sizes[i]]).uniform_(-bound, bound, generator));
            biases.Add(empty([sizes[i + 1]]).uniform_(-bound, bound, generator));
        }

        var initial = FcnnSnapshot.Capture(weights, biases, options.Activation, options.LeakyReLUSlope);
        var model = new Fcnn(sizes, options.Activation, options.LeakyReLUSlope, initial, null);
        return device is null ? model : model.MoveTo(device);
    }

    /// <summary>Builds a model from two parameter snapshots (e.g. imported from elsewhere).</summary>
    internal static Fcnn FromSnapshots(FcnnSnapshot initial, FcnnSnapshot? trained)
    {
        var sizes = new List<int> { (int)initial.Weights[0].shape[1] };
        sizes.AddRange(initial.Weights.Select(w => (int)w.shape[0]));
        return new Fcnn(sizes, initial.Activation, initial.LeakyReLUSlope, initial, trained);
    }

    /// <summary>
    /// A copy of one linear layer's weight <c>[out, in]</c> from the trained snapshot θ, or from θ⁰.
    /// Column i of layer 0 holds the weights attached to input feature i (the paper's <c>W_i</c>);
    /// row j is neuron j's incoming pattern (the paper's Figure 2). The caller owns the copy.
    /// </summary>
    /// <param name="layer">The linear layer, 0 next to the input.</param>
    /// <param name="initial">True for θ⁰, false (default) for θ.</param>
    /// <returns>A new tensor on the model's device.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer index.</exception>
    /// <exception cref="InvalidOperationException">θ was asked for and the model is not trained.</exception>
    public Tensor CopyWeight(int layer, bool initial = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, LayerSizes.Count - 1);
        var snapshot = initial ? Initial : Trained;
        return snapshot.Weights[layer].detach().clone();
    }

    /// <summary>
    /// Captures the live <see cref="Module"/>'s current parameters as the trained snapshot θ. Use it
    /// after your own training loop; <see cref="Train"/> calls it for you.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public void MarkTrained()
    {
        ThrowIfDisposed();
        var snapshot = FcnnSnapshot.Capture(
            _linears.Select(l => l.weight!).ToArray(),
            _linears.Select(l => l.bias!).ToArray(),
            Activation,
            LeakyReLUSlope);
        _trained?.Dispose();
        _trained = snapshot;
    }

    /// <summary>
    /// Trains the live network with Adam on cross-entropy, then captures θ (see <see cref="MarkTrained"/>).
    /// </summary>
    /// <param name="inputs">Training inputs <c>[N, D]</c>, floating point.</param>
    /// <param name="labels">Class indices <c>[N]</c>, int64 in <c>[0, C)</c>.</param>
    /// <param name="options">Epochs, batch size, learning rate and shuffling seed; null for the defaults.</param>
    /// <param name="progress">Receives a report after every batch; may be null.</param>
    /// <param name="cancellationToken">Stops training between batches; θ is then not captured.</param>
    /// <returns>Loss and accuracy per epoch.</returns>
    /// <exception cref="ArgumentException">Shapes, dtypes or label values are wrong, or inputs are not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public TrainingReport Train(
        Tensor inputs,
        Tensor labels,
        TrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        options ??= new TrainingOptions();
        options.Validate();
        InputValidation.CheckInputs(inputs, InputSize, nameof(inputs));
        InputValidation.CheckTargets(labels, inputs.shape[0], ClassCount, nameof(labels));
        var report = Trainer.Run(this, _module, inputs, labels, options, progress, cancellationToken);
        MarkTrained();
        return report;
    }

    /// <summary>Logits <c>[N, C]</c> of the trained network θ for inputs <c>[N, D]</c>; a new tensor.</summary>
    /// <exception cref="ArgumentException">Inputs have the wrong shape or are not finite.</exception>
    /// <exception cref="InvalidOperationException">The model is not trained.</exception>
    public Tensor Logits(Tensor inputs)
    {
        var trained = Trained;
        InputValidation.CheckInputs(inputs, InputSize, nameof(inputs));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = inputs.to(float32).to(Device);
        return trained.Logits(x).to(inputs.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward function of the trained snapshot θ: logits <c>[N, C]</c> for float32 inputs <c>[N, D]</c> on
    /// <see cref="Device"/>, without the checks of <see cref="Logits"/> and differentiable with respect to
    /// the inputs (gradient methods call it).
    /// </summary>
    /// <param name="inputs">Float32 <c>[N, D]</c> on the model's device.</param>
    /// <returns>A new tensor <c>[N, C]</c>.</returns>
    /// <exception cref="InvalidOperationException">The model is not trained.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public override Tensor Forward(Tensor inputs) => Trained.Logits(inputs);

    /// <summary>Softmax probabilities <c>[N, C]</c> of the trained network θ; a new tensor.</summary>
    /// <exception cref="ArgumentException">Inputs have the wrong shape or are not finite.</exception>
    /// <exception cref="InvalidOperationException">The model is not trained.</exception>
    public Tensor Probabilities(Tensor inputs)
    {
        using var scope = NewDisposeScope();
        return Attribution.ModelOutputs.Softmax(Logits(inputs)).MoveToOuterDisposeScope();
    }

    /// <summary>The predicted class <c>[N]</c> (int64) of the trained network θ; a new tensor.</summary>
    /// <exception cref="ArgumentException">Inputs have the wrong shape or are not finite.</exception>
    /// <exception cref="InvalidOperationException">The model is not trained.</exception>
    public Tensor Predict(Tensor inputs)
    {
        using var scope = NewDisposeScope();
        return Logits(inputs).argmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>The fraction of inputs whose predicted class equals the label.</summary>
    /// <exception cref="ArgumentException">Shapes, dtypes or label values are wrong.</exception>
    /// <exception cref="InvalidOperationException">The model is not trained.</exception>
    public double Accuracy(Tensor inputs, Tensor labels)
    {
        InputValidation.CheckTargets(labels, inputs.shape[0], ClassCount, nameof(labels));
        using var scope = NewDisposeScope();
        var predicted = Predict(inputs);
        return predicted.eq(labels.to(predicted.device)).to(float64).mean().item<double>();
    }

    /// <summary>Moves the live network and both snapshots to a device; returns this model.</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public Fcnn MoveTo(Device device)
    {
        ThrowIfDisposed();
        XwpRuntime.EnsureInitialized();
        _module.to(device);
        _initial = _initial.To(device);
        _trained = _trained?.To(device);
        return this;
    }

    /// <summary>
    /// Saves the architecture and both snapshots to one file (exact, bit-for-bit round trip through
    /// <see cref="Load"/>). The file is written atomically.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public void Save(string path)
    {
        ThrowIfDisposed();
        ModelFile.Write(path, this, _initial, _trained);
    }

    /// <summary>Loads a model written by <see cref="Save"/>, on the CPU.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not an Xwp model, is damaged, or holds a NaN or infinite parameter; the message names the file and the problem.
    /// </exception>
    public static Fcnn Load(string path)
    {
        XwpRuntime.EnsureInitialized();
        var (initial, trained) = ModelFile.Read(path);
        return FromSnapshots(initial, trained);
    }

    /// <summary>
    /// Loads a network trained in PyTorch from two <c>state_dict</c> files saved with <c>torch.save</c>:
    /// one before any optimiser step (θ⁰) and one after training (θ). The module must be an
    /// <c>nn.Sequential</c> (or similar) of <c>Linear</c> layers with activations between them; layer
    /// sizes are inferred from the weights.
    /// </summary>
    /// <param name="initialStateDict">The <c>state_dict</c> saved at initialisation.</param>
    /// <param name="trainedStateDict">The <c>state_dict</c> saved after training.</param>
    /// <param name="activation">The activation the PyTorch module used between its linear layers.</param>
    /// <param name="leakyReLUSlope">The negative slope, for <see cref="Activation.LeakyReLU"/>.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is not a <c>torch.save</c> zip archive, cannot be read, is not a chain of linear layers, holds a NaN or
    /// infinite parameter, or the two files disagree; the message names the file, the tensor and the problem.
    /// </exception>
    public static Fcnn FromPyTorch(string initialStateDict, string trainedStateDict, Activation activation = Activation.ReLU, double leakyReLUSlope = 0.01) =>
        FromPyTorch(initialStateDict, trainedStateDict, new PyTorchImportOptions { Activation = activation, LeakyReLUSlope = leakyReLUSlope });

    /// <summary>
    /// Loads a network trained in PyTorch from two <c>state_dict</c> files saved with <c>torch.save</c>
    /// (θ⁰ before any optimiser step, θ after training), with the activation and, for layers whose names
    /// do not give their order, the order of the layers in <paramref name="options"/>.
    /// </summary>
    /// <param name="initialStateDict">The <c>state_dict</c> saved at initialisation.</param>
    /// <param name="trainedStateDict">The <c>state_dict</c> saved after training.</param>
    /// <param name="options">Activation, LeakyReLU slope and layer order; see <see cref="PyTorchImportOptions"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is not a <c>torch.save</c> zip archive, cannot be read, is not a chain of linear layers, holds a NaN or
    /// infinite parameter, its layers cannot be ordered (or <see cref="PyTorchImportOptions.LayerOrder"/> does not name
    /// them), or the two files disagree; the message names the file, the tensor and the problem.
    /// </exception>
    public static Fcnn FromPyTorch(string initialStateDict, string trainedStateDict, PyTorchImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        XwpRuntime.EnsureInitialized();
        var initial = PyTorchStateDict.Read(initialStateDict, options);
        FcnnSnapshot? trained = null;
        try
        {
            trained = PyTorchStateDict.Read(trainedStateDict, options);
            PyTorchStateDict.CheckSameArchitecture(initial, trained, initialStateDict, trainedStateDict);
            return FromSnapshots(initial, trained);
        }
        catch
        {
            initial.Dispose();
            trained?.Dispose();
            throw;
        }
    }

    /// <summary>Releases the network's native memory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _module.Dispose();
        _initial.Dispose();
        _trained?.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal override void ThrowIfNotReady()
    {
        ThrowIfDisposed();
        _ = Trained;
    }

    private void LoadIntoModule(FcnnSnapshot snapshot)
    {
        using var _ = no_grad();
        for (var i = 0; i < _linears.Length; i++)
        {
            _linears[i].weight!.copy_(snapshot.Weights[i]);
            _linears[i].bias!.copy_(snapshot.Biases[i]);
        }

        _module.to(snapshot.Device);
    }

    private static nn.Module<Tensor, Tensor> ActivationModule(Activation activation, double slope) => activation switch
    {
        Activation.ReLU => nn.ReLU(),
        Activation.GELU => nn.GELU(),
        Activation.Tanh => nn.Tanh(),
        Activation.Sigmoid => nn.Sigmoid(),
        Activation.LeakyReLU => nn.LeakyReLU(slope),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
