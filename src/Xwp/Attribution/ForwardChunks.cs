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
    /// The CPU cap for XWP's rank-1 chunks. Its rows are built in one fused pass into a buffer reused for
    /// every chunk (see Xwp.PerturbedRows), so larger chunks no longer stream the chunk through memory
    /// several times, and fewer chunks mean fewer per-op overheads in the rest of the network: on the
    /// 784-400-100-10 benchmark 16K-row chunks ran about 25% faster than 2K-row ones.
    /// </summary>
    public const long CpuRank1ChunkBytes = 64L << 20;

    /// <summary>
    /// Rows per chunk of XWP's rank-1 path on an Fcnn: as <see cref="Rows(Fcnn, long, long, int, long)"/> with the
    /// CPU cap <see cref="CpuRank1ChunkBytes"/>.
    /// </summary>
    public static long Rank1Rows(Fcnn model, long budgetBytes) =>
        Rows(model, budgetBytes, cpuCapBytes: CpuRank1ChunkBytes);

    /// <summary>
    /// Rows per chunk of XWP's rank-1 path on any model split at a first Linear of <paramref name="hidden"/>
    /// units: the perturbed rows and, for the rest of the network, an assumed <see cref="Rank1RestFactor"/>
    /// floats per hidden unit (an MLP's later layers are at most about that wide), capped at
    /// <see cref="CpuRank1ChunkBytes"/> on the CPU. A wider rest uses more memory than the budget; lower the
    /// budget then.
    /// </summary>
    public static long Rank1Rows(ExplainableModel model, long hidden, long budgetBytes)
    {
        if (model.Device.type == TorchSharp.DeviceType.CPU)
        {
            budgetBytes = Math.Min(budgetBytes, CpuRank1ChunkBytes);
        }

        return Math.Max(1, budgetBytes / (hidden * (1 + Rank1RestFactor) * sizeof(float)));
    }

    /// <summary>Floats per first-layer unit assumed for the rest of a model in <see cref="Rank1Rows(ExplainableModel, long, long)"/>.</summary>
    public const int Rank1RestFactor = 3;

    /// <summary>
    /// Rows per chunk: each row holds every layer's pre-activation and activation
    /// (<paramref name="copies"/> floats per unit; more when autograd keeps them for a backward pass),
    /// a few output rows and <paramref name="extraFloatsPerRow"/> more.
    /// </summary>
    public static long Rows(Fcnn model, long budgetBytes, long extraFloatsPerRow = 0, int copies = 2, long cpuCapBytes = CpuChunkBytes)
    {
        if (model.Device.type == TorchSharp.DeviceType.CPU)
        {
            budgetBytes = Math.Min(budgetBytes, cpuCapBytes);
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

    /// <summary>
    /// The tiles of a (rows × perturbations) grid whose copies go through the model together: as many rows as
    /// one pass holds (at most <paramref name="perPass"/>), and as many perturbations of them as still fit.
    /// Rows outer, perturbations inner; every tile has at least one of each.
    /// </summary>
    /// <param name="rows">The input rows.</param>
    /// <param name="perturbations">The perturbed copies wanted of each row.</param>
    /// <param name="perPass">Model rows per forward pass (<see cref="Rows(ExplainableModel, long, long, long, bool)"/>).</param>
    public static IEnumerable<(long Row, long Rows, long Start, long Count)> Tiles(long rows, long perturbations, long perPass)
    {
        var rowsPerChunk = Math.Min(rows, perPass);
        var perChunk = Math.Max(1, perPass / rowsPerChunk);
        for (long r = 0; r < rows; r += rowsPerChunk)
        {
            for (long start = 0; start < perturbations; start += perChunk)
            {
                yield return (r, Math.Min(rowsPerChunk, rows - r), start, Math.Min(perChunk, perturbations - start));
            }
        }
    }
}
