namespace Xwp.Attribution;

/// <summary>
/// How many rows of the network's head (everything after the first linear layer) fit in one chunk
/// of a method's internal work, for a memory budget. Results never depend on it.
/// </summary>
internal static class ForwardChunks
{
    /// <summary>
    /// On the CPU a chunk's working set is capped here: chunks that stay in the processor's cache run
    /// faster than chunks that stream through main memory (the same cap as XWP's rank-1 path).
    /// GPUs get the whole budget.
    /// </summary>
    public const long CpuChunkBytes = 8L << 20;

    /// <summary>
    /// Rows per chunk: each row holds every layer's pre-activation and activation
    /// (<paramref name="copies"/> floats per unit; more when autograd keeps them for a backward pass),
    /// a few output rows and <paramref name="extraFloatsPerRow"/> more.
    /// </summary>
    public static long Rows(Fcnn model, long budgetBytes, long extraFloatsPerRow = 0, int copies = 2)
    {
        if (model.Device.type == TorchSharp.DeviceType.CPU)
        {
            budgetBytes = Math.Min(budgetBytes, CpuChunkBytes);
        }

        long floats = extraFloatsPerRow + 4L * model.ClassCount;
        for (var k = 1; k < model.LayerSizes.Count; k++)
        {
            floats += (long)copies * model.LayerSizes[k];
        }

        return Math.Max(1, budgetBytes / (floats * sizeof(float)));
    }
}
