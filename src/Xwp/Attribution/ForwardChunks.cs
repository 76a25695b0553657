namespace Xwp.Attribution;

/// <summary>
/// How many rows go through the model in one chunk of a method's internal work, for a memory budget.
/// Results never depend on it.
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
    /// A model known only by its forward function is assumed to hold this many floats per input
    /// feature in activations (a small CNN's convolutions and their activations stay below it).
    /// </summary>
    public const int OpaqueActivationFactor = 32;

    /// <summary>
    /// On the CPU, chunks of an opaque model are capped here: a small CNN's forward throughput peaks at a
    /// few hundred images per pass and falls by about 40% at a few thousand, whose activations stream
    /// through main memory.
    /// </summary>
    public const long CpuOpaqueChunkBytes = 32L << 20;

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

    /// <summary>
    /// Rows per forward pass of any model whose inputs have <paramref name="features"/> features: the
    /// input copy, <see cref="OpaqueActivationFactor"/> floats per feature of activations (twice that when
    /// a backward pass follows) and <paramref name="extraFloatsPerRow"/> more.
    /// </summary>
    public static long Rows(ExplainableModel model, long features, long budgetBytes, long extraFloatsPerRow = 0, bool backward = false)
    {
        if (model is Fcnn fcnn && model.InputShape is [var d] && d == features)
        {
            return Rows(fcnn, budgetBytes, extraFloatsPerRow + features, backward ? 4 : 2);
        }

        if (model.Device.type == TorchSharp.DeviceType.CPU)
        {
            budgetBytes = Math.Min(budgetBytes, CpuOpaqueChunkBytes);
        }

        var floats = extraFloatsPerRow + (features * (1L + ((backward ? 2 : 1) * OpaqueActivationFactor)));
        return Math.Max(1, budgetBytes / (floats * sizeof(float)));
    }
}
