using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// The one place where attribution work is split into batches of inputs: one dispose scope per
/// batch, results written into a single preallocated map, progress after every batch,
/// cancellation between batches.
/// </summary>
internal static class Batching
{
    public static Tensor Run(
        Tensor inputs,
        Tensor targets,
        int batchSize,
        Func<Tensor, Tensor, Tensor> attributeBatch,
        Action<long>? reportDone,
        CancellationToken cancellationToken)
    {
        var n = inputs.shape[0];
        var output = zeros_like(inputs);
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, n - start);
                using (NewDisposeScope())
                {
                    var result = attributeBatch(inputs.narrow(0, start, count), targets.narrow(0, start, count));
                    output.narrow(0, start, count).copy_(result);
                }

                reportDone?.Invoke(start + count);
            }

            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }
}
