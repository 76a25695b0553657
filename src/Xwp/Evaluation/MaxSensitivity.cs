using System.Globalization;
using Xwp.Attribution;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// Max-Sensitivity (Yeh et al., 2019) as Captum's <c>sensitivity_max</c>: the largest change of the map
/// under small uniform L∞ perturbations of the input, <c>max_δ ‖Φ(x + δ) − Φ(x)‖₂ / ‖Φ(x)‖₂</c> (or without
/// the division). Φ(x) is the map being scored; Φ(x + δ) is recomputed with <see cref="Method"/>, which must
/// be the method that made the map. Lower is more stable.
/// </summary>
internal sealed class MaxSensitivity(AttributionMethod method, MaxSensitivityOptions options) : EvaluationMetric
{
    public AttributionMethod Method { get; } = method;

    public MaxSensitivityOptions Options { get; } = options;

    public override string Name => "max_sensitivity";

    public override string DisplayName => Options.Relative ? "Max-Sensitivity (relative)" : "Max-Sensitivity";

    public override MetricDirection Direction => MetricDirection.LowerIsBetter;

    /// <summary>A norm ratio is never negative.</summary>
    internal override (double Lower, double Upper) Range => (0, double.PositiveInfinity);

    internal override void Check(int features)
    {
        if (Options.Perturbations is { } p)
        {
            var perInput = p.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            if (perInput != features)
            {
                throw new ArgumentException(
                    $"The given perturbations {InputValidation.Shape(p)} hold {perInput} features per input; the inputs have {features}.", "options");
            }
        }
    }

    internal override IReadOnlyDictionary<string, string> Settings(int features) => new Dictionary<string, string>
    {
        ["method"] = Method.Name,
        ["radius"] = Options.Perturbations is null ? Options.Radius.ToString("R", CultureInfo.InvariantCulture) : "given",
        ["samples"] = (Options.Perturbations is null ? Options.Samples : (int)Options.Perturbations.shape[1]).ToString(CultureInfo.InvariantCulture),
        ["seed"] = Options.Perturbations is null ? Options.Seed.ToString(CultureInfo.InvariantCulture) : "given",
        ["norm"] = "L2 (Frobenius) over the flattened map",
        ["relative"] = Options.Relative ? "true" : "false",
    };

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        var rows = batch.Inputs.shape[0];
        var features = batch.Inputs.shape[1];
        var delta = Perturbations(batch, rows, features);
        var samples = delta.shape[1];
        var perturbed = batch.Inputs.unsqueeze(1).add(delta).reshape(rows * samples, features);
        var targets = batch.Targets.repeat_interleave(samples);
        var builder = batch.Model.Explain(perturbed.view([rows * samples, .. batch.InputShape]))
            .For(targets)
            .Using(Method)
            .WithCancellation(batch.CancellationToken);
        if (Options.AttributionBatchSize is { } size)
        {
            builder = builder.WithBatchSize(size);
        }

        using var perturbedMaps = builder.Compute();
        using var noGrad = no_grad();
        var original = batch.Maps.to(float64);
        var changes = perturbedMaps.to(float64).reshape(rows, samples, features).sub(original.unsqueeze(1));
        var largest = changes.square().sum(2).sqrt().amax([1]);
        if (!Options.Relative)
        {
            return new MetricBatchScores(largest, null);
        }

        var norm = original.square().sum(1).sqrt();
        return new MetricBatchScores(largest.div(where(norm.eq(0), ones_like(norm), norm)), null);
    }

    /// <summary>δ <c>[B, S, D]</c> float32 on the inputs' device: the given rows, or uniform draws from (seed, run row).</summary>
    private Tensor Perturbations(MetricBatch batch, long rows, long features)
    {
        if (Options.Perturbations is { } given)
        {
            if (given.shape[0] < batch.Offset + rows)
            {
                throw new ArgumentException(
                    $"The given perturbations {InputValidation.Shape(given)} cover {given.shape[0]} inputs; input {batch.Offset + rows - 1} was scored.", "options");
            }

            return given.narrow(0, batch.Offset, rows).reshape(rows, given.shape[1], features).to(float32).to(batch.Inputs.device);
        }

        var drawn = new Tensor[rows];
        for (var i = 0; i < rows; i++)
        {
            using var generator = Seeding.ForRow(Options.Seed, batch.Offset + i);
            drawn[i] = empty([Options.Samples, features], float32).uniform_(-Options.Radius, Options.Radius, generator);
        }

        return stack(drawn).to(batch.Inputs.device);
    }
}
