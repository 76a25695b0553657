using static TorchSharp.torch;

namespace Xwp.Attribution.Rise;

/// <summary>
/// RISE: <c>saliency = Σ_k f_t(x ⊙ M_k) M_k / (N·p)</c>. The masks are made once per method (lazily,
/// on first use) and shared by every row of every batch.
/// </summary>
/// <remarks>
/// The first layer is linear, so <c>W (x ⊙ M_k) = M_k (x ⊙ Wᵀ)</c>: for each row, one matrix product of
/// the masks' columns at the row's non-zero features with the row-scaled weight columns gives every
/// masked copy's pre-activation, without materialising the copies; zero features are skipped exactly.
/// </remarks>
internal sealed class RiseAttribution : AttributionMethod
{
    private readonly Lazy<float[]> _masks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Height, int Width), float[]> _drawn = new();

    public RiseAttribution(RiseOptions options)
    {
        Options = options;
        if (options.Masks is { } supplied)
        {
            MaskCount = (int)supplied.shape[0];
            Features = (int)(supplied.numel() / supplied.shape[0]);
            var values = OptionTensors.Floats(supplied);
            _masks = new Lazy<float[]>(values);
        }
        else
        {
            MaskCount = options.MaskCount;
            Features = options.ImageShape.Height * options.ImageShape.Width;
            _masks = new Lazy<float[]>(
                () => RiseMasks.Generate(options.MaskCount, options.GridSize, options.Probability, options.ImageShape, options.Seed),
                LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    public RiseOptions Options { get; }

    /// <summary>N, the number of masks.</summary>
    internal int MaskCount { get; }

    /// <summary>D, the pixels per mask.</summary>
    internal int Features { get; }

    public override string Name => "rise";

    /// <summary>Each row costs N forward passes, so smaller batches keep progress and cancellation responsive (results do not depend on it).</summary>
    internal override int DefaultBatchSize => 32;

    /// <summary>The masks, float32 <c>[N, D]</c> on the CPU; a new tensor.</summary>
    internal Tensor MaskTensor() => tensor(_masks.Value, [MaskCount, Features], float32);

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        batch.Fcnn is { } fcnn ? FirstLayer(batch, fcnn) : Forward(batch);

    /// <summary>
    /// Any model: masks apply to the last two dimensions of the inputs (rows <c>[N, D]</c> are viewed as
    /// <see cref="RiseOptions.ImageShape"/>; leading dimensions such as channels share a pixel's mask), every
    /// masked copy goes through the forward function, as many per pass as the budget allows, and each
    /// pixel's saliency is copied to every channel.
    /// </summary>
    internal Tensor Forward(AttributionBatch batch)
    {
        var x = batch.Inputs;
        var shape = x.shape;
        var rows = shape[0];
        var one = shape.Skip(1).ToArray();
        var (height, width) = one.Length == 1 ? Options.ImageShape : (checked((int)one[^2]), checked((int)one[^1]));
        var pixels = (long)height * width;
        var planes = batch.Features / pixels;
        if (planes * pixels != batch.Features)
        {
            throw new ArgumentOutOfRangeException(
                nameof(RiseOptions.ImageShape),
                $"The image shape {height}×{width} has {pixels} pixels; the model takes {batch.Features} features.");
        }

        var maskValues = MasksFor(height, width);
        using var noGrad = no_grad();
        var masks = tensor(maskValues, [MaskCount, pixels], float32).to(x.device);
        var planar = x.reshape(rows, planes, pixels);
        var scores = empty(rows, MaskCount, dtype: float32, device: x.device);
        var perPass = ForwardChunks.Rows(batch.Model, batch.Features, Options.MemoryBudgetBytes, extraFloatsPerRow: batch.Features);
        foreach (var (r, nr, start, n) in ForwardChunks.Tiles(rows, MaskCount, perPass))
        {
            batch.CancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var copies = planar.narrow(0, r, nr).unsqueeze(1).mul(masks.narrow(0, start, n).view(1, n, 1, pixels));
            var targets = batch.Targets.narrow(0, r, nr).repeat_interleave(n);
            var values = ModelOutputs.TargetScores(batch.Model, copies.view([nr * n, .. one]), targets, Options.OutputSpace);
            scores.narrow(0, r, nr).narrow(1, start, n).copy_(values.view(nr, n));
        }

        var saliency = scores.mm(masks).div_(MaskCount * Options.Probability);
        return saliency.view(rows, 1, pixels).expand(rows, planes, pixels).reshape(shape);
    }

    /// <summary>The masks for an image of this size: the supplied ones (their pixel count must match), or drawn from the seed.</summary>
    private float[] MasksFor(int height, int width)
    {
        if (Options.Masks is not null)
        {
            if ((long)height * width != Features)
            {
                throw new ArgumentOutOfRangeException(nameof(RiseOptions.Masks), $"The masks have {Features} pixels each; the inputs' images are {height}×{width}.");
            }

            return _masks.Value;
        }

        return (height, width) == Options.ImageShape
            ? _masks.Value
            : _drawn.GetOrAdd((height, width), size => RiseMasks.Generate(Options.MaskCount, Options.GridSize, Options.Probability, size, Options.Seed));
    }

    private Tensor FirstLayer(AttributionBatch batch, Fcnn model)
    {
        if (model.InputSize != Features)
        {
            throw Options.Masks is null
                ? new ArgumentOutOfRangeException(
                    nameof(RiseOptions.ImageShape),
                    $"The image shape {Options.ImageShape.Height}×{Options.ImageShape.Width} has {Features} pixels; the model takes {model.InputSize} features.")
                : new ArgumentOutOfRangeException(nameof(RiseOptions.Masks), $"The masks have {Features} pixels each; the model takes {model.InputSize} features.");
        }

        using var noGrad = no_grad();
        var trained = model.Trained;
        var x = batch.Inputs;
        var rows = x.shape[0];
        var masks = MaskTensor().to(x.device);
        var weight = trained.Weights[0];
        var bias = trained.Biases[0];
        var scores = empty(rows, MaskCount, dtype: float32, device: x.device);
        var chunk = MasksPerChunk(model, Options.MemoryBudgetBytes);

        for (long r = 0; r < rows; r++)
        {
            using var scope = NewDisposeScope();
            var row = x.select(0, r);
            var nonZero = row.nonzero().squeeze(1);
            var scaled = weight.index_select(1, nonZero).t().mul(row.index_select(0, nonZero).unsqueeze(1));
            var target = batch.Targets.narrow(0, r, 1);
            for (long start = 0; start < MaskCount; start += chunk)
            {
                batch.CancellationToken.ThrowIfCancellationRequested();
                using var inner = NewDisposeScope();
                var n = Math.Min(chunk, MaskCount - start);
                var pre = addmm(bias, masks.narrow(0, start, n).index_select(1, nonZero), scaled, beta: 1, alpha: 1);
                var logits = trained.HeadInPlace(pre);
                var outputs = ModelOutputs.FromLogits(logits, Options.OutputSpace);
                scores.select(0, r).narrow(0, start, n).copy_(outputs.index_select(1, target).squeeze(1));
            }
        }

        return scores.mm(masks).div_(MaskCount * Options.Probability);
    }

    /// <summary>Masks per chunk: each holds its columns at the non-zero features (at most D) besides the head's rows.</summary>
    private static long MasksPerChunk(Fcnn model, long budgetBytes) =>
        ForwardChunks.Rows(model, budgetBytes, extraFloatsPerRow: model.InputSize);
}
