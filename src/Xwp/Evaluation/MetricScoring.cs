using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>Runs one metric over validated tensors on the model's device, batch by batch, one dispose scope per batch.</summary>
internal static class MetricScoring
{
    /// <summary>Per-image values (NaN where not scored) and, for curve metrics, the curves.</summary>
    public static (double[] Values, float[][]? Curves) Run(
        EvaluationMetric metric,
        ExplainableModel model,
        long[] inputShape,
        Tensor inputs,
        Tensor targets,
        Tensor maps,
        int batchSize,
        Action<long>? reportDone,
        CancellationToken cancellationToken)
    {
        var rows = inputs.shape[0];
        var values = new double[rows];
        var curves = metric.HasCurves ? new float[rows][] : null;
        for (long start = 0; start < rows; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batchSize, rows - start);
            ScoreInto(metric, new MetricBatch(model, inputShape, inputs.narrow(0, start, count), targets.narrow(0, start, count), maps.narrow(0, start, count), cancellationToken, start), values, curves, start);
            reportDone?.Invoke(start + count);
        }

        return (values, curves);
    }

    /// <summary>Scores one batch and copies its results into the arrays at <paramref name="offset"/>.</summary>
    public static void ScoreInto(EvaluationMetric metric, MetricBatch batch, double[] values, float[][]? curves, long offset)
    {
        using var scope = NewDisposeScope();
        var scores = metric.ScoreBatch(batch);
        var count = (int)batch.Inputs.shape[0];
        using (var cpu = scores.Values.to(float64).cpu().contiguous())
        {
            Array.Copy(cpu.data<double>().ToArray(), 0, values, offset, count);
        }

        if (curves is not null && scores.Curves is not null)
        {
            using var cpu = scores.Curves.to(float32).cpu().contiguous();
            var flat = cpu.data<float>().ToArray();
            var length = (int)cpu.shape[1];
            for (var i = 0; i < count; i++)
            {
                curves[offset + i] = flat.AsSpan(i * length, length).ToArray();
            }
        }
    }
}
