using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// The one place where attribution work is split into batches of inputs: one dispose scope per
/// batch, results written into preallocated outputs (or, when one batch covers every row and the method
/// owns its result, that result as the map), progress after every batch, cancellation between batches.
/// Methods never chunk over inputs themselves.
/// </summary>
internal static class Batching
{
    /// <summary>
    /// Runs <paramref name="method"/> over all rows; returns the map <c>[N, D]</c> and its diagnostics <c>[N]</c> each.
    /// With <paramref name="predictTargets"/> (only for a method that <see cref="AttributionMethod.PredictsTargets"/>,
    /// and rows that fit in one batch) <paramref name="targets"/> is filled with the predicted classes by the method.
    /// </summary>
    public static (Tensor Map, Tensor[] Diagnostics) Run(
        AttributionMethod method,
        ExplainableModel model,
        Tensor inputs,
        Tensor targets,
        int batchSize,
        Action<long>? reportDone,
        CancellationToken cancellationToken,
        bool predictTargets = false)
    {
        var n = inputs.shape[0];
        if (predictTargets && n > batchSize)
        {
            throw new InvalidOperationException("Targets are predicted within a batch only when one batch covers every row.");
        }

        // Every row of the outputs is written by exactly one batch, so they need no zero fill.
        var map = empty_like(inputs);
        var diagnostics = method.DiagnosticNames.Select(_ => empty(n, dtype: float32, device: inputs.device)).ToArray();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, n - start);
                using (NewDisposeScope())
                {
                    var whole = count == n;
                    var batch = new AttributionBatch(
                        model,
                        whole ? inputs : inputs.narrow(0, start, count),
                        whole ? targets : targets.narrow(0, start, count),
                        start,
                        cancellationToken) { PredictTargets = predictTargets };
                    var result = method.AttributeBatch(batch);
                    if (whole && IsOwnedMap(method, result, inputs))
                    {
                        // One batch covers every row and the method owns its result: it is the map, without a copy.
                        map.Dispose();
                        map = result.MoveToOuterDisposeScope();
                    }
                    else
                    {
                        map.narrow(0, start, count).copy_(result);
                    }

                    var values = method.Diagnose(batch, result);
                    for (var i = 0; i < diagnostics.Length; i++)
                    {
                        diagnostics[i].narrow(0, start, count).copy_(values[i]);
                    }
                }

                reportDone?.Invoke(start + count);
            }

            return (map, diagnostics);
        }
        catch
        {
            map.Dispose();
            foreach (var d in diagnostics)
            {
                d.Dispose();
            }

            throw;
        }
    }

    /// <summary>Whether <paramref name="result"/> can be the map of <paramref name="inputs"/> as it is, without a copy.</summary>
    internal static bool IsOwnedMap(AttributionMethod method, Tensor result, Tensor inputs) =>
        method.ReturnsOwnedMap
        && result.Handle != inputs.Handle
        && result.dtype == ScalarType.Float32
        && result.device_type == inputs.device_type
        && result.device_index == inputs.device_index
        && result.shape.SequenceEqual(inputs.shape)
        && result.is_contiguous();

    /// <summary>
    /// Runs <paramref name="method"/> for every class of every row: <c>[N, C, …]</c>. Methods that compute all
    /// classes from the same passes (<see cref="AttributionMethod.AttributeAllClasses"/>) do so; the others run
    /// once per class within each batch.
    /// </summary>
    public static Tensor RunAllClasses(
        AttributionMethod method,
        ExplainableModel model,
        Tensor inputs,
        long classes,
        int batchSize,
        Action<long>? reportDone,
        CancellationToken cancellationToken)
    {
        var n = inputs.shape[0];
        // Every (row, class) is written by exactly one batch, so the map needs no zero fill.
        var map = empty([n, classes, .. inputs.shape.Skip(1)], dtype: float32, device: inputs.device);
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, n - start);
                using (NewDisposeScope())
                {
                    var rows = inputs.narrow(0, start, count);
                    var all = method.AttributeAllClasses(new AttributionBatch(model, rows, zeros(count, dtype: int64, device: inputs.device), start, cancellationToken), classes);
                    if (all is not null)
                    {
                        map.narrow(0, start, count).copy_(all);
                    }
                    else
                    {
                        for (long c = 0; c < classes; c++)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            using var scope = NewDisposeScope();
                            var targets = full(count, c, dtype: int64, device: inputs.device);
                            map.narrow(0, start, count).select(1, c).copy_(method.AttributeBatch(new AttributionBatch(model, rows, targets, start, cancellationToken)));
                        }
                    }
                }

                reportDone?.Invoke(start + count);
            }

            return map;
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }
}
