using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// The one place where attribution work is split into batches of inputs: one dispose scope per
/// batch, results written into preallocated outputs, progress after every batch, cancellation
/// between batches. Methods never chunk over inputs themselves.
/// </summary>
internal static class Batching
{
    /// <summary>Runs <paramref name="method"/> over all rows; returns the map <c>[N, D]</c> and its diagnostics <c>[N]</c> each.</summary>
    public static (Tensor Map, Tensor[] Diagnostics) Run(
        AttributionMethod method,
        ExplainableModel model,
        Tensor inputs,
        Tensor targets,
        int batchSize,
        Action<long>? reportDone,
        CancellationToken cancellationToken)
    {
        var n = inputs.shape[0];
        var map = zeros_like(inputs);
        var diagnostics = method.DiagnosticNames.Select(_ => zeros(n, dtype: float32, device: inputs.device)).ToArray();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, n - start);
                using (NewDisposeScope())
                {
                    var batch = new AttributionBatch(model, inputs.narrow(0, start, count), targets.narrow(0, start, count), start, cancellationToken);
                    var result = method.AttributeBatch(batch);
                    map.narrow(0, start, count).copy_(result);
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
}
