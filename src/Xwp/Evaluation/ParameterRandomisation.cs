using System.Globalization;
using MathNet.Numerics.Statistics;
using Xwp.Attribution;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// The model-parameter randomisation test (Adebayo et al., 2018), cascading from the top layer. For an
/// <see cref="Fcnn"/> with L linear layers, step k (1 … L) replaces the trained weights and biases θ of the
/// top k layers by draws from PyTorch's <c>nn.Linear</c> initialisation, <c>U(±1/√fan_in)</c>, seeded per
/// layer; the initial snapshot θ⁰ stays as it is (so XWP and XWP^c see a model "trained" from θ⁰ to
/// the randomised θ). A TorchSharp or TorchScript module's L layers with a weight of two or more dimensions
/// (Linear, Conv; in the order the module registers them) are redrawn the same way, in place, and restored after
/// the batch (<see cref="CascadeInPlace"/>). The curve holds Spearman's |ρ| (mean ranks for ties) between the trained model's map
/// and step k's map, at x = k/L; the value is its mean over the L steps. Lower is better: a map that
/// ignores the parameters keeps |ρ| = 1. A constant map has no ranking: NaN (excluded).
/// </summary>
internal sealed class ParameterRandomisation(AttributionMethod method, ParameterRandomisationOptions options) : EvaluationMetric
{
    public AttributionMethod Method { get; } = method;

    public ParameterRandomisationOptions Options { get; } = options;

    public override string Name => "randomisation";

    public override string DisplayName => "Randomisation |ρ|";

    public override MetricDirection Direction => MetricDirection.LowerIsBetter;

    /// <summary>An absolute rank correlation lies in [0, 1].</summary>
    internal override (double Lower, double Upper) Range => (0, 1);

    public override bool HasCurves => true;

    /// <summary>
    /// A copy of <paramref name="model"/> whose trained parameters in the top <paramref name="layers"/> linear
    /// layers are replaced by seeded draws from <c>U(±1/√fan_in)</c>; θ⁰ is copied unchanged. The caller owns it.
    /// </summary>
    public static Fcnn Randomise(Fcnn model, int layers, long seed)
    {
        var trained = model.Trained;
        var count = trained.Weights.Count;
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layers, count);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        for (var l = 0; l < count; l++)
        {
            if (l < count - layers)
            {
                weights.Add(trained.Weights[l]);
                biases.Add(trained.Biases[l]);
                continue;
            }

            var w = trained.Weights[l];
            var (weight, bias) = Draw(w.shape, trained.Biases[l].shape, w.shape[1], seed, l);
            weights.Add(weight.to(w.device));
            biases.Add(bias!.to(w.device));
        }

        var initial = model.Initial;
        var copy = FcnnSnapshot.Capture(initial.Weights, initial.Biases, initial.Activation, initial.LeakyReLUSlope);
        var randomised = FcnnSnapshot.Capture(weights, biases, trained.Activation, trained.LeakyReLUSlope);
        return Fcnn.FromSnapshots(copy, randomised);
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s redraw: its weight, then its bias, from <c>U(±1/√fan_in)</c> (PyTorch's
    /// <c>nn.Linear</c> initialisation), float32 on the CPU, from one generator seeded by (seed, layer). An
    /// <see cref="Fcnn"/>'s layers (<see cref="Randomise"/>) and a module's (<see cref="CascadeInPlace"/>) both draw
    /// here, so a module holding an Fcnn's weights is redrawn identically.
    /// </summary>
    private static (Tensor Weight, Tensor? Bias) Draw(long[] weightShape, long[]? biasShape, long fanIn, long seed, int layer)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        using var generator = Seeding.ForRow(seed, layer);
        var weight = empty(weightShape, float32).uniform_(-bound, bound, generator);
        var bias = biasShape is null ? null : empty(biasShape, float32).uniform_(-bound, bound, generator);
        return (weight, bias);
    }

    internal override void Check(int features)
    {
    }

    internal override IReadOnlyDictionary<string, string> Settings(int features) => new Dictionary<string, string>
    {
        ["method"] = Method.Name,
        ["order"] = "cascading from the top layer",
        ["randomised"] = "trained θ of the layer, redrawn from U(±1/sqrt(fan_in)); θ⁰ kept",
        ["seed"] = Options.Seed.ToString(CultureInfo.InvariantCulture),
        ["correlation"] = "|Spearman ρ|, mean ranks for ties",
    };

    internal override IReadOnlyList<double> CurveFractions(int features) => [];

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        var rows = (int)batch.Inputs.shape[0];
        var original = Rows(batch.Maps);
        double[,] curves;
        if (batch.Model is Fcnn model)
        {
            var layers = model.Trained.Weights.Count;
            curves = new double[rows, layers];
            for (var k = 1; k <= layers; k++)
            {
                batch.CancellationToken.ThrowIfCancellationRequested();
                using var randomised = Randomise(model, k, Options.Seed);
                Correlate(original, Explain(randomised, batch, rows), curves, k - 1);
            }
        }
        else
        {
            curves = CascadeInPlace(batch, rows, original);
        }

        var steps = curves.GetLength(1);
        var values = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < steps; k++)
            {
                sum += curves[i, k];
            }

            values[i] = sum / steps;
        }

        return new MetricBatchScores(tensor(values), tensor(curves.Cast<double>().ToArray(), [rows, steps]));
    }

    /// <summary>
    /// The cascade on a TorchSharp or TorchScript module (<see cref="ExplainableModel.ParameterModule"/>): its layers with
    /// a weight of two or more dimensions (<see cref="ParameterLayer.Of"/>, in registration order) are redrawn in place
    /// from the top, layer l's weight and bias from <c>U(±1/√fan_in)</c> seeded by (seed, l) exactly as
    /// <see cref="Randomise"/> draws an <see cref="Fcnn"/>'s layer l, and every parameter is restored afterwards, also
    /// when explaining fails or is cancelled. An <see cref="XwpModel"/>'s θ⁰ is its own snapshot and stays.
    /// </summary>
    private double[,] CascadeInPlace(MetricBatch batch, int rows, double[][] original)
    {
        var module = batch.Model.ParameterModule ?? throw new NotSupportedException(
            "The randomisation test redraws a model's parameters; this model is a forward function whose parameters Xwp cannot see. " +
            "Wrap the module itself (ExplainableModel.FromModule or TorchScriptModel.Load), or use an Fcnn.");
        using var scope = NewDisposeScope();
        var layers = ParameterLayer.Of(module);
        if (layers.Count == 0)
        {
            throw new NotSupportedException(
                $"{batch.Model.Subject} has no layer with a weight of two or more dimensions (Linear, Conv), so the randomisation test has nothing to redraw.");
        }

        var saved = layers.Select(l => (Weight: l.Weight.detach().clone(), Bias: l.Bias?.detach().clone())).ToArray();
        var curves = new double[rows, layers.Count];
        try
        {
            for (var k = 1; k <= layers.Count; k++)
            {
                batch.CancellationToken.ThrowIfCancellationRequested();
                var l = layers.Count - k;
                var layer = layers[l];
                using (no_grad())
                {
                    var (w, b) = Draw(layer.Weight.shape, layer.Bias?.shape, layer.FanIn, Options.Seed, l);
                    using (w)
                    using (b)
                    {
                        layer.Weight.copy_(w);
                        layer.Bias?.copy_(b!);
                    }
                }

                Correlate(original, Explain(batch.Model, batch, rows), curves, k - 1);
            }
        }
        finally
        {
            using var noGrad = no_grad();
            for (var l = 0; l < layers.Count; l++)
            {
                layers[l].Weight.copy_(saved[l].Weight);
                layers[l].Bias?.copy_(saved[l].Bias!);
            }
        }

        return curves;
    }

    /// <summary>The method's maps of the batch on <paramref name="model"/>, one row of features per input.</summary>
    private double[][] Explain(ExplainableModel model, MetricBatch batch, int rows)
    {
        var builder = model.Explain(batch.Inputs.view([rows, .. batch.InputShape]))
            .For(batch.Targets)
            .Using(Method)
            .WithCancellation(batch.CancellationToken);
        if (Options.AttributionBatchSize is { } size)
        {
            builder = builder.WithBatchSize(size);
        }

        using var map = builder.Compute();
        return Rows(map.reshape(rows, -1));
    }

    /// <summary>Column <paramref name="step"/> of the curves: |Spearman ρ| between each input's original and randomised map.</summary>
    private static void Correlate(double[][] original, double[][] randomised, double[,] curves, int step)
    {
        for (var i = 0; i < original.Length; i++)
        {
            curves[i, step] = Math.Abs(Correlation.Spearman(original[i], randomised[i]));
        }
    }

    private static double[][] Rows(Tensor maps)
    {
        using var cpu = maps.to(float64).cpu().contiguous();
        var flat = cpu.data<double>().ToArray();
        var width = (int)cpu.shape[1];
        return Enumerable.Range(0, (int)cpu.shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
