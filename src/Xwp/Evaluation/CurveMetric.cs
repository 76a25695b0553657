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
            ["curve"] = "target softmax probability at step 0 and after each step; AUC by the trapezoid rule, x = step/steps",
        };
    }

    internal override IReadOnlyList<double> CurveFractions(int features)
    {
        var steps = CurvePlan.For(features, Options).Steps;
        return Enumerable.Range(0, steps + 1).Select(k => k / (double)steps).ToArray();
    }

    internal override MetricBatchScores ScoreBatch(MetricBatch batch)
    {
        var features = (int)batch.Inputs.shape[1];
        var plan = CurvePlan.For(features, Options);
        var removal = Options.RemovalValue.ToTensor(features, batch.Inputs.device);
        var curves = PerturbationCurves.Compute(
            batch.Model, batch.InputShape, batch.Inputs, batch.Targets, batch.Maps, removal, plan, kind, Options.Algorithm, Options.MemoryBudgetBytes, batch.CancellationToken);
        return new MetricBatchScores(PerturbationCurves.Area(curves), curves);
    }
}
