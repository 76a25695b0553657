using static TorchSharp.torch;

namespace Xwp.Attribution.Occlusion;

/// <summary>
/// The computation behind Occlusion and feature ablation: for every row b and set s,
/// <c>delta[b, s] = f_t(x_b) − f_t(x_b with the features of s at the baseline)</c>, then the map
/// <c>delta · Spread</c> (the mean change over the sets that hold each feature).
/// </summary>
/// <remarks>
/// Every occluded copy differs from its row only in the features of one set, and the first layer is
/// linear, so its pre-activation is <c>h(x) + Σ_{i∈s} (baseline_i − x_i) W_i</c> (<c>W_i</c> column i of
/// the first weight): K columns per copy instead of all D. The layers after the first then run on all
/// copies of a chunk of sets in one batched pass. A copy whose set already holds the baseline values
/// equals its row, and its change is exactly 0 without a forward pass (with a black baseline, the empty
/// background of an image costs nothing).
/// </remarks>
internal static class Ablation
{
    /// <summary>The map of one batch: the FCNN fast path when the model is an <see cref="Fcnn"/>, else batched forward passes.</summary>
    public static Tensor Attribute(AttributionBatch batch, AblationSets sets, Baselines baseline, OutputSpace space, long memoryBudgetBytes) =>
        batch.Fcnn is { } fcnn
            ? FirstLayer(batch, fcnn, sets, baseline, space, memoryBudgetBytes)
            : Forward(batch, sets, baseline, space, memoryBudgetBytes);

    /// <summary>
    /// Any model: every (row, set) copy <c>x ⊙ (1 − m_s) + x′ ⊙ m_s</c> is built and goes through the forward
    /// function, as many copies per pass as the memory budget allows.
    /// </summary>
    internal static Tensor Forward(AttributionBatch batch, AblationSets sets, Baselines baseline, OutputSpace space, long memoryBudgetBytes)
    {
        var model = batch.Model;
        var x = batch.Inputs;
        var shape = x.shape;
        var device = x.device;
        var rows = shape[0];
        var features = (long)sets.Features;
        var (count, size) = ((long)sets.Count, (long)sets.MaxSize);

        using var noGrad = no_grad();
        var flat = x.reshape(rows, features);
        var baseRows = baseline.ForBatch(x, batch.Offset, "Baseline").reshape(rows, features);
        var indices = tensor(sets.Indices, [count, size], int64).to(device);
        var reference = ModelOutputs.TargetScores(model, x, batch.Targets, space);
        var delta = zeros(rows, count, dtype: float32, device: device);

        var perPass = ForwardChunks.Rows(model, features, memoryBudgetBytes, extraFloatsPerRow: 2 * features);
        foreach (var (r, nr, start, n) in ForwardChunks.Tiles(rows, count, perPass))
        {
            batch.CancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var mask = zeros(n, features + 1, dtype: float32, device: device)
                .scatter_(1, indices.narrow(0, start, n), ones(n, size, dtype: float32, device: device))
                .narrow(1, 0, features)
                .unsqueeze(0);
            var copies = flat.narrow(0, r, nr).unsqueeze(1).mul(mask.neg().add_(1)).add_(baseRows.narrow(0, r, nr).unsqueeze(1).mul(mask));
            var targets = batch.Targets.narrow(0, r, nr).repeat_interleave(n);
            var scores = ModelOutputs.TargetScores(model, copies.view([nr * n, .. shape.Skip(1)]), targets, space).view(nr, n);
            delta.narrow(0, r, nr).narrow(1, start, n).copy_(reference.narrow(0, r, nr).unsqueeze(1).sub(scores));
        }

        // map[b, i] = Σ_s delta[b, s] / coverage(i) over the sets s that hold i (padding entries point at D and weigh 0).
        var weights = tensor(sets.EntryWeights, [count, size], float32).to(device);
        var spread = delta.unsqueeze(2).mul(weights.unsqueeze(0)).view(rows, count * size);
        var map = zeros(rows, features + 1, dtype: float32, device: device).index_add_(1, indices.view(-1), spread, 1);
        return map.narrow(1, 0, features).reshape(shape);
    }

    private static Tensor FirstLayer(AttributionBatch batch, Fcnn model, AblationSets sets, Baselines baseline, OutputSpace space, long memoryBudgetBytes)
    {
        var trained = model.Trained;
        var x = batch.Inputs;
        var device = x.device;
        var rows = x.shape[0];
        var features = sets.Features;
        var (count, size) = (sets.Count, sets.MaxSize);
        var hidden = model.LayerSizes[1];

        using var noGrad = no_grad();
        var baseRow = baseline.ForBatch(x, batch.Offset, "Baseline");

        // Differences d = baseline − x and the first weight's columns, each padded with one zero
        // feature so that padded set entries (index D) contribute nothing.
        var d = cat([baseRow.sub(x), zeros(rows, 1, dtype: float32, device: device)], 1);
        var columns = cat([trained.Weights[0].t(), zeros(1, hidden, dtype: float32, device: device)], 0);
        var indices = tensor(sets.Indices, [count, size], int64).to(device);

        var h = trained.FirstLayer(x);
        var reference = Select(Output(trained.Head(h), space), batch.Targets);
        var delta = zeros(rows, count, dtype: float32, device: device);
        var deltaFlat = delta.view(-1);

        var chunk = SetsPerChunk(model, rows, size, memoryBudgetBytes);
        for (long start = 0; start < count; start += chunk)
        {
            batch.CancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, count - start);
            var flatIndices = indices.narrow(0, start, n).reshape(-1);
            var weights = columns.index_select(0, flatIndices).view(n, size, hidden);
            var coefficients = d.index_select(1, flatIndices).view(rows, n, size).transpose(0, 1);

            // Pairs (set, row) whose copy differs from the row; every other change is exactly 0.
            var active = coefficients.ne(0).any(2).nonzero();
            var pairs = active.shape[0];
            if (pairs == 0)
            {
                continue;
            }

            var set = active.select(1, 0);
            var row = active.select(1, 1);
            var shift = coefficients.contiguous().bmm(weights).view(n * rows, hidden);
            var pre = shift.index_select(0, set.mul(rows).add(row)).add_(h.index_select(0, row));
            var scores = Select(Output(trained.HeadInPlace(pre), space), batch.Targets.index_select(0, row));
            var change = reference.index_select(0, row).sub_(scores);
            deltaFlat.index_copy_(0, row.mul(count).add(set).add_(start), change);
        }

        var spread = tensor(sets.Spread, [count, features], float32).to(device);
        return delta.mm(spread);
    }

    private static Tensor Output(Tensor logits, OutputSpace space) =>
        ModelOutputs.FromLogits(logits, space);

    private static Tensor Select(Tensor outputs, Tensor targets) =>
        outputs.gather(1, targets.unsqueeze(1)).squeeze(1);

    /// <summary>Sets per chunk so that one chunk's temporaries stay within the budget (on the CPU, within the cache).</summary>
    private static long SetsPerChunk(Fcnn model, long rows, int size, long budgetBytes)
    {
        if (model.Device.type == TorchSharp.DeviceType.CPU)
        {
            budgetBytes = Math.Min(budgetBytes, ForwardChunks.CpuChunkBytes);
        }

        // Per set: its K weight columns; per (set, row): K coefficients, the first-layer shift and
        // pre-activation, every later layer's pre-activation and activation, and a few [C] rows.
        long perPair = size + 2L * model.LayerSizes[1] + 4L * model.ClassCount;
        for (var k = 2; k < model.LayerSizes.Count; k++)
        {
            perPair += 2L * model.LayerSizes[k];
        }

        var perSet = (long)size * model.LayerSizes[1] + rows * perPair;
        return Math.Max(1, budgetBytes / (perSet * sizeof(float)));
    }
}
