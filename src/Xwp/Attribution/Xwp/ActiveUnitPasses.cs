using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace Xwp.Attribution.Xwp;

/// <summary>
/// The rank-1 pass of XWP and XWP^c for models whose first Linear layer is followed by a ReLU and then a
/// Linear layer L₂ (weight W₂ <c>[H2, H]</c>, bias b₂), on the CPU with float32 tensors.
/// <para>
/// A hidden unit whose perturbed pre-activation is ≤ 0 in every row of one image's run of (image, feature)
/// pairs is 0 after the ReLU in all of them and adds exactly nothing to L₂'s outputs; for a trained network
/// that is a large share of the units (about 40% of them for the 784-400-100-10 Fashion-MNIST network).
/// Such units are left out of the rows and out of W₂ for that run, so L₂ becomes a product
/// <c>[k, u + 1] × [u + 1, H2]</c> over the u units that can be active, plus a constant 1 that carries b₂.
/// The result is the same sum without its zero terms.
/// </para>
/// <para>
/// The pairs are split into groups; each worker thread takes the next group, builds each run's rows, multiplies
/// them and passes the group through the rest of the network, with torch set to one thread. The threads work
/// on different images instead of splitting every product, so a run's rows stay in the core's cache between
/// being built and being multiplied, and a core slowed by other work only takes fewer groups.
/// </para>
/// </summary>
internal static class ActiveUnitPasses
{
    /// <summary>Pairs per group: the rows a worker passes through the rest of the network at once.</summary>
    public const long GroupPairs = 8192;

    /// <summary>Multiply-adds of the products with W₂ so far (with the bias row), summed over every run: what <c>xwp bench</c> reports as performed work.</summary>
    internal static long MultiplyAdds;

    /// <summary>Most rows of one image per product with W₂.</summary>
    public const long RunRows = 1024;

    /// <summary>
    /// Units per vector block of the row builder: 16 (AVX-512), 8 (AVX2) or 0 (scalar), the widest the CPU has.
    /// Tests set narrower widths to check that every builder gives the same maps.
    /// </summary>
    internal static int Lanes { get; set; } = Avx512F.IsSupported ? 16 : Avx2.IsSupported ? 8 : 0;

    /// <summary>Whether this pass applies: CPU float32 contiguous tensors without gradients, and finite pre-activations and weight changes (a NaN must reach the output as it would on the other path).</summary>
    public static bool Applies(Tensor start, Tensor deltaT, NextLinear next)
    {
        bool Cpu32(Tensor t) => t.dtype == ScalarType.Float32 && t.device_type == TorchSharp.DeviceType.CPU && !t.requires_grad;
        if (!Cpu32(start) || !Cpu32(deltaT) || !start.is_contiguous() || !deltaT.is_contiguous() ||
            !Cpu32(next.Weight.detach()) || (next.Bias is { } b && !Cpu32(b.detach())) || next.Weight.shape[1] != start.shape[1])
        {
            return false;
        }

        return InputValidation.AllFinite(start) && InputValidation.AllFinite(deltaT);
    }

    /// <summary>
    /// Bytes of one worker's buffers for groups of <paramref name="group"/> pairs: its rows of one run
    /// (<c>min(RunRows, group) · (H + 1)</c> floats and 16 of padding), its packed copy of W₂ᵀ's active rows and b₂
    /// (<c>(H + 1) · H2</c> floats), its L₂ outputs (<c>group · H2</c> floats), and the group's pass through the rest
    /// (<paramref name="restRowBytes"/> per pair, as the chunked path counts a row).
    /// </summary>
    internal static long WorkerBytes(long hidden, long outputs, long group, long restRowBytes) =>
        (sizeof(float) * ((Math.Min(RunRows, group) * (hidden + 1)) + 16 + ((hidden + 1) * outputs) + (group * outputs))) + (group * restRowBytes);

    /// <summary>
    /// How the pass fits the memory budget: the workers (at most <paramref name="threads"/>) and the pairs per group,
    /// such that the shared W₂ᵀ and b₂ copies (<c>(H + 1) · H2</c> floats) and every worker's buffers
    /// (<see cref="WorkerBytes"/>) stay within <paramref name="budgetBytes"/>. As many workers as fit, each with the largest
    /// group that fits (at most <see cref="GroupPairs"/>, <paramref name="pairs"/> and <paramref name="chunkRows"/>); null when even one worker with
    /// groups of one pair does not fit, and the chunked path, which needs none of these buffers, runs instead.
    /// </summary>
    /// <param name="hidden">H, the first layer's units.</param>
    /// <param name="outputs">H2, L₂'s outputs.</param>
    /// <param name="pairs">The pairs to compute.</param>
    /// <param name="chunkRows">The rows of one chunk of the chunked path for this budget: the most pairs per group.</param>
    /// <param name="restRowBytes">Bytes of one pair's pass through the rest of the network.</param>
    /// <param name="budgetBytes">The memory budget of the whole pass.</param>
    /// <param name="threads">Torch's thread count: the most workers.</param>
    internal static (int Workers, long Group)? Plan(long hidden, long outputs, long pairs, long chunkRows, long restRowBytes, long budgetBytes, int threads)
    {
        var shared = sizeof(float) * (hidden + 1) * outputs;
        var most = Math.Clamp(Math.Min(pairs, chunkRows), 1, GroupPairs);
        for (var workers = (int)Math.Clamp(Math.Min(threads, pairs), 1, int.MaxValue); workers >= 1; workers--)
        {
            bool Fits(long group) => shared + (workers * WorkerBytes(hidden, outputs, group, restRowBytes)) <= budgetBytes;
            if (!Fits(1))
            {
                continue;
            }

            // The largest group that fits (WorkerBytes grows with the group).
            long low = 1, high = most;
            while (low < high)
            {
                var mid = low + ((high - low + 1) / 2);
                if (Fits(mid))
                {
                    low = mid;
                }
                else
                {
                    high = mid - 1;
                }
            }

            // More workers than groups would idle: fewer workers may then take larger groups.
            var groups = (pairs + low - 1) / low;
            if (groups >= workers || workers == 1)
            {
                return (workers, low);
            }
        }

        return null;
    }

    /// <summary>
    /// Writes every pair's score into <see cref="Job.ResultFlat"/> at its position <see cref="Job.Flat"/>:
    /// <c>Scale · Σ_n I_n (reference_n − f_n)</c> for the given indicators, or every class's score when there are none.
    /// Returns false, having done nothing, when the pass's buffers do not fit the budget (<see cref="Plan"/>).
    /// </summary>
    /// <param name="job">The pairs and what to compute for them.</param>
    /// <param name="chunkRows">The rows of one chunk of the chunked path for this budget: the most pairs per group.</param>
    /// <param name="restRowBytes">Bytes of one pair's pass through the rest of the network.</param>
    /// <param name="budgetBytes">The memory budget of the whole pass, every worker's buffers included.</param>
    /// <param name="cancellationToken">Checked before every group.</param>
    /// <returns>Whether the pass ran.</returns>
    public static bool Run(Job job, long chunkRows, long restRowBytes, long budgetBytes, CancellationToken cancellationToken)
    {
        var pairs = job.Image.shape[0];
        if (pairs == 0)
        {
            return true;
        }

        var threads = get_num_threads();
        if (Plan(job.Start.shape[1], job.Next.Weight.shape[0], pairs, chunkRows, restRowBytes, budgetBytes, threads) is not { } plan)
        {
            return false;
        }

        var (workers, group) = plan;

        var groups = (pairs + group - 1) / group;
        using var w2t = job.Next.Weight.detach().t().contiguous();
        using var bias = job.Next.Bias is { } b ? b.detach().contiguous() : zeros(w2t.shape[1]);
        var shared = new Shared(job, w2t, bias, group, groups);
        if (workers <= 1)
        {
            // One worker: torch keeps its threads for every product.
            Worker(shared, cancellationToken);
            return true;
        }

        ExceptionDispatchInfo? failure = null;
        void Guarded()
        {
            try
            {
                set_num_threads(1);
                Worker(shared, cancellationToken);
            }
            catch (Exception e)
            {
                shared.Failed = true;
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
        }

        try
        {
            var others = Enumerable.Range(1, workers - 1).Select(_ => new Thread(Guarded) { IsBackground = true, Name = "Xwp rank-1 worker" }).ToList();
            others.ForEach(t => t.Start());
            Guarded();
            others.ForEach(t => t.Join());
        }
        finally
        {
            set_num_threads(threads);
        }

        failure?.Throw();
        return true;
    }

    private static unsafe void Worker(Shared s, CancellationToken cancellationToken)
    {
        using var noGrad = no_grad();
        var job = s.Job;
        var width = (int)job.Start.shape[1];
        var outputs = s.W2T.shape[1];
        var runRows = Math.Min(RunRows, s.Group);
        using var rows = empty((runRows * (width + 1)) + 16);
        using var weights = empty((width + 1) * outputs);
        using var layer2 = empty(s.Group, outputs);
        var scratch = new RunScratch(width, (float*)PerturbedRows.Pointer(rows), (float*)PerturbedRows.Pointer(weights));
        var image = (long*)s.Image;
        var pairs = job.Image.shape[0];

        while (!s.Failed)
        {
            var g = Interlocked.Increment(ref s.Next);
            if (g >= s.Groups)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var first = g * s.Group;
            var n = Math.Min(s.Group, pairs - first);
            for (var r = first; r < first + n;)
            {
                var end = r + 1;
                while (end < first + n && image[end] == image[r] && end - r < runRows)
                {
                    end++;
                }

                MultiplyRun(s, scratch, r, end, rows, weights, layer2, first);
                GC.KeepAlive(job);
                r = end;
            }

            using var scope = NewDisposeScope();
            var f = job.ToOutputs(job.Next.Rest(layer2.narrow(0, 0, n)));
            var score = FirstLayerPerturbation.PairScores(job.Reference, job.Indicator, job.Image.narrow(0, first, n), f, job.Scale);
            Scatter(s, score.to(ScalarType.Float32).contiguous(), first, n);
        }
    }

    /// <summary>Rows <paramref name="from"/>..<paramref name="to"/> (one image) → their L₂ outputs, written to <paramref name="layer2"/> at row <c>from − groupStart</c>.</summary>
    private static unsafe void MultiplyRun(Shared s, RunScratch scratch, long from, long to, Tensor rows, Tensor weights, Tensor layer2, long groupStart)
    {
        var job = s.Job;
        var width = (int)job.Start.shape[1];
        var outputs = (int)s.W2T.shape[1];
        var k = to - from;
        var start = (float*)s.Start + (((long*)s.Image)[from] * width);
        var deltas = (float*)s.DeltaT;
        var features = (long*)s.Feature + from;
        var factors = (float*)s.Factors + from;
        var lanes = Lanes;
        var vectorWidth = lanes == 0 ? 0 : width - (width % lanes);

        // Which units are > 0 in some row of the run.
        var max = scratch.Max;
        Array.Fill(max, float.NegativeInfinity);
        fixed (float* m = max)
        {
            for (long r = 0; r < k; r++)
            {
                var delta = deltas + (features[r] * width);
                var factor = factors[r];
                var j = 0;
                if (lanes == 16)
                {
                    var vf = Vector512.Create(factor);
                    for (; j < vectorWidth; j += 16)
                    {
                        var value = Vector512.Load(start + j) + (vf * Vector512.Load(delta + j));
                        Vector512.Store(Vector512.Max(Vector512.Load(m + j), value), m + j);
                    }
                }
                else if (lanes == 8)
                {
                    var vf = Vector256.Create(factor);
                    for (; j < vectorWidth; j += 8)
                    {
                        var value = Vector256.Load(start + j) + (vf * Vector256.Load(delta + j));
                        Vector256.Store(Vector256.Max(Vector256.Load(m + j), value), m + j);
                    }
                }

                for (; j < width; j++)
                {
                    var value = start[j] + (factor * delta[j]);
                    m[j] = MathF.Max(m[j], value);
                }
            }
        }

        // Per block of units: the lanes that can be active, in order (the permutation that packs them).
        var units = 0;
        for (var block = 0; block < vectorWidth; block += lanes)
        {
            var count = 0;
            for (var lane = 0; lane < lanes; lane++)
            {
                if (max[block + lane] > 0)
                {
                    scratch.Control[block + count++] = lane;
                    scratch.Units[units++] = block + lane;
                }
            }

            for (var lane = count; lane < lanes; lane++)
            {
                scratch.Control[block + lane] = 0;
            }

            scratch.Counts[block / lanes] = count;
        }

        var vectorUnits = units;
        for (var j = vectorWidth; j < width; j++)
        {
            if (max[j] > 0)
            {
                scratch.Units[units++] = j;
            }
        }

        // The rows over those units and a trailing 1; a packed block store may run up to 15 floats past its
        // row, into the next row (written afterwards) or the buffer's padding.
        var stride = units + 1;
        var a = scratch.Rows;
        fixed (int* control = scratch.Control)
        fixed (int* unit = scratch.Units)
        {
            for (long r = 0; r < k; r++)
            {
                var delta = deltas + (features[r] * width);
                var factor = factors[r];
                var output = a + (r * stride);
                var offset = 0;
                for (var block = 0; block < vectorWidth; block += lanes)
                {
                    var count = scratch.Counts[block / lanes];
                    if (count == 0)
                    {
                        continue;
                    }

                    if (lanes == 16)
                    {
                        var value = Vector512.Max(Vector512.Load(start + block) + (Vector512.Create(factor) * Vector512.Load(delta + block)), Vector512<float>.Zero);
                        Vector512.Store(Avx512F.PermuteVar16x32(value, Vector512.Load(control + block)), output + offset);
                    }
                    else
                    {
                        var value = Vector256.Max(Vector256.Load(start + block) + (Vector256.Create(factor) * Vector256.Load(delta + block)), Vector256<float>.Zero);
                        Vector256.Store(Avx2.PermuteVar8x32(value, Vector256.Load(control + block)), output + offset);
                    }

                    offset += count;
                }

                for (var q = vectorUnits; q < units; q++)
                {
                    var j = unit[q];
                    output[offset++] = MathF.Max(start[j] + (factor * delta[j]), 0f);
                }

                output[units] = 1f;
            }

            // The matching rows of W₂ᵀ, then b₂.
            var w = scratch.Weights;
            var w2t = (float*)s.W2TData;
            var rowBytes = outputs * sizeof(float);
            for (var q = 0; q < units; q++)
            {
                Buffer.MemoryCopy(w2t + ((long)unit[q] * outputs), w + ((long)q * outputs), rowBytes, rowBytes);
            }

            Buffer.MemoryCopy((float*)s.BiasData, w + ((long)units * outputs), rowBytes, rowBytes);
        }

        using var left = rows.narrow(0, 0, k * stride);
        using var leftView = left.view(k, stride);
        using var right = weights.narrow(0, 0, (long)stride * outputs);
        using var rightView = right.view(stride, outputs);
        using var target = layer2.narrow(0, from - groupStart, k);
        target.addmm_(leftView, rightView, beta: 0, alpha: 1);
        Interlocked.Add(ref MultiplyAdds, k * stride * outputs);
    }

    /// <summary>Copies score row i to the result's row <c>flat[first + i]</c> (rows of one value, or of C values for every class).</summary>
    private static unsafe void Scatter(Shared s, Tensor score, long first, long n)
    {
        var per = s.Job.ResultFlat.dim() == 2 ? s.Job.ResultFlat.shape[1] : 1;
        var source = (float*)PerturbedRows.Pointer(score);
        var destination = (float*)s.Result;
        var positions = (long*)s.Flat + first;
        var bytes = per * sizeof(float);
        for (long i = 0; i < n; i++)
        {
            Buffer.MemoryCopy(source + (i * per), destination + (positions[i] * per), bytes, bytes);
        }

        GC.KeepAlive(score);
    }

    /// <summary>The pairs and what to compute for them.</summary>
    /// <param name="Start">Unperturbed first-layer pre-activations <c>[B, H]</c>.</param>
    /// <param name="DeltaT">Per-feature weight change <c>[D, H]</c>.</param>
    /// <param name="Image">int64 <c>[P]</c>, sorted: each pair's image.</param>
    /// <param name="Feature">int64 <c>[P]</c>: each pair's feature.</param>
    /// <param name="Factors">float32 <c>[P]</c>: each pair's factor on its row of <paramref name="DeltaT"/>.</param>
    /// <param name="Flat">int64 <c>[P]</c>: each pair's row of <paramref name="ResultFlat"/>.</param>
    /// <param name="Next">L₂ and the rest after it.</param>
    /// <param name="ToOutputs">Raw outputs → what f measures.</param>
    /// <param name="Reference">The outputs each pair's are subtracted from <c>[B, C]</c>.</param>
    /// <param name="Indicator">±1 per class <c>[B, C]</c>, or null for every class's score.</param>
    /// <param name="Scale">Factor on every score.</param>
    /// <param name="ResultFlat">float32 <c>[B·D]</c>, or <c>[B·D, C]</c> for every class; written at the pairs' rows.</param>
    internal sealed record Job(
        Tensor Start,
        Tensor DeltaT,
        Tensor Image,
        Tensor Feature,
        Tensor Factors,
        Tensor Flat,
        NextLinear Next,
        Func<Tensor, Tensor> ToOutputs,
        Tensor Reference,
        Tensor? Indicator,
        double Scale,
        Tensor ResultFlat);

    /// <summary>What every worker reads: the job, W₂ᵀ and b₂, the grouping, the addresses of the CPU tensors (taken once), and the next group to take.</summary>
    private sealed unsafe class Shared(Job job, Tensor w2t, Tensor bias, long group, long groups)
    {
        public long Next = -1;
        public volatile bool Failed;

        public nint Start { get; } = (nint)PerturbedRows.Pointer(job.Start);

        public nint DeltaT { get; } = (nint)PerturbedRows.Pointer(job.DeltaT);

        public nint Image { get; } = (nint)PerturbedRows.Pointer(job.Image);

        public nint Feature { get; } = (nint)PerturbedRows.Pointer(job.Feature);

        public nint Factors { get; } = (nint)PerturbedRows.Pointer(job.Factors);

        public nint Flat { get; } = (nint)PerturbedRows.Pointer(job.Flat);

        public nint Result { get; } = (nint)PerturbedRows.Pointer(job.ResultFlat);

        public nint W2TData { get; } = (nint)PerturbedRows.Pointer(w2t);

        public nint BiasData { get; } = (nint)PerturbedRows.Pointer(bias);

        public Job Job { get; } = job;

        public Tensor W2T { get; } = w2t;

        public Tensor Bias { get; } = bias;

        public long Group { get; } = group;

        public long Groups { get; } = groups;
    }

    /// <summary>One worker's buffers: per-unit maxima and packing permutations, and the addresses of its row and W₂ᵀ buffers.</summary>
    private sealed unsafe class RunScratch(int width, float* rows, float* weights)
    {
        public float* Rows { get; } = rows;

        public float* Weights { get; } = weights;

        public float[] Max { get; } = new float[width];

        public int[] Control { get; } = new int[width + 16];

        public int[] Units { get; } = new int[width];

        public int[] Counts { get; } = new int[(width / 8) + 1];
    }
}
