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
/// the randomised θ). The curve holds Spearman's |ρ| (mean ranks for ties) between the trained model's map
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
            var bound = 1.0 / Math.Sqrt(w.shape[1]);
            using var generator = Seeding.ForRow(seed, l);
            weights.Add(empty(w.shape, float32).uniform_(-bound, bound, generator).to(w.device));
            biases.Add(empty(trained.Biases[l].shape, float32).uniform_(-bound, bound, generator).to(w.device));
        }

        var initial = model.Initial;
        var copy = FcnnSnapshot.Capture(initial.Weights, initial.Biases, initial.Activation, initial.LeakyReLUSlope);
        var randomised = FcnnSnapshot.Capture(weights, biases, trained.Activation, trained.LeakyReLUSlope);
        return Fcnn.FromSnapshots(copy, randomised);
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
        var model = batch.Model as Fcnn ?? throw new NotSupportedException(
            $"The randomisation test re-initialises an Fcnn's layers; this model is a {batch.Model.GetType().Name}, whose parameters Xwp cannot redraw.");
        var rows = (int)batch.Inputs.shape[0];
        var layers = model.Trained.Weights.Count;
        var original = Rows(batch.Maps);
        var curves = new double[rows, layers];
        for (var k = 1; k <= layers; k++)
        {
            batch.CancellationToken.ThrowIfCancellationRequested();
            using var randomised = Randomise(model, k, Options.Seed);
            var builder = randomised.Explain(batch.Inputs.view([rows, .. batch.InputShape]))
                .For(batch.Targets)
                .Using(Method)
                .WithCancellation(batch.CancellationToken);
            if (Options.AttributionBatchSize is { } size)
            {
                builder = builder.WithBatchSize(size);
            }

            using var map = builder.Compute();
            var randomisedRows = Rows(map.reshape(rows, -1));
            for (var i = 0; i < rows; i++)
            {
                curves[i, k - 1] = Math.Abs(Correlation.Spearman(original[i], randomisedRows[i]));
            }
        }

        var values = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < layers; k++)
            {
                sum += curves[i, k];
            }

            values[i] = sum / layers;
        }

        return new MetricBatchScores(tensor(values), tensor(curves.Cast<double>().ToArray(), [rows, layers]));
    }

    private static double[][] Rows(Tensor maps)
    {
        using var cpu = maps.to(float64).cpu().contiguous();
        var flat = cpu.data<double>().ToArray();
        var width = (int)cpu.shape[1];
        return Enumerable.Range(0, (int)cpu.shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
