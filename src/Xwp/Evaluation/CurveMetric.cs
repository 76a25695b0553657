using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>What Deletion AUC and Insertion AUC share: the step plan, the curves and their trapezoid area.</summary>
internal abstract class CurveMetric(CurveMetricOptions options, CurveKind kind) : EvaluationMetric
{
    public CurveMetricOptions Options { get; } = options;

    public override bool HasCurves => true;

    internal override void Check(int features) => Options.RemovalValue.Check(features, nameof(CurveMetricOptions.RemovalValue));

    internal override IReadOnlyDictionary<string, string> Settings(int features)
    {
        var plan = CurvePlan.For(features, Options);
        return new Dictionary<string, string>
        {
            ["features_per_step"] = plan.StepRule,
            ["steps"] = plan.Steps.ToString(CultureInfo.InvariantCulture),
            ["steps_to_remove_all"] = plan.FullSteps.ToString(CultureInfo.InvariantCulture),
            ["max_steps"] = Options.MaxSteps?.ToString(CultureInfo.InvariantCulture) ?? "none",
            ["features_at_last_step"] = plan.Counts[^1].ToString(CultureInfo.InvariantCulture),
            ["removal_value"] = Options.RemovalValue.ToString(),
            ["curve"] = (Options.Score == CurveScore.Probability ? "target softmax probability (a single-output model's raw output)" : "target logit") +
                        " at step 0 and after each step; AUC by the trapezoid rule, " +
                        (Options.XAxis == CurveAxis.StepsRun ? "x = step/steps" : "x = features removed/features"),
        };
    }

    internal override IReadOnlyList<double> CurveFractions(int features) => Positions(CurvePlan.For(features, Options));

    /// <summary>The x coordinate of every curve point: k/S, or (features removed after step k)/D with <see cref="CurveAxis.AllFeatures"/>.</summary>
    private double[] Positions(CurvePlan plan) =>
        Options.XAxis == CurveAxis.StepsRun
            ? [.. Enumerable.Range(0, plan.Steps + 1).Select(k => k / (double)plan.Steps)]
            : [.. plan.Counts.Select(c => c / (double)plan.Features)];

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        var features = (int)batch.Inputs.shape[1];
        var plan = CurvePlan.For(features, Options);
        var removal = Options.RemovalValue.For(batch.Inputs);
        var curves = PerturbationCurves.Compute(
            batch.Model, batch.InputShape, batch.Inputs, batch.Targets, batch.Maps, removal, plan, kind, Options.Algorithm, Options.Score, Options.MemoryBudgetBytes, batch.CancellationToken);
        var area = Options.XAxis == CurveAxis.StepsRun ? PerturbationCurves.Area(curves) : CurveArea.Trapezoid(curves, Positions(plan));
        return new MetricBatchScores(area, curves);
    }
}
