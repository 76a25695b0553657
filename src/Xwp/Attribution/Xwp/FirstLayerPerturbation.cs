using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Xwp.Attribution.Xwp;

/// <summary>Which first-layer columns a perturbation resets to θ⁰.</summary>
internal enum Perturbation
{
    /// <summary>XWP: column i is reset, every other column stays trained.</summary>
    ResetFeature,

    /// <summary>XWP^c: every column except i is reset; only column i stays trained.</summary>
    KeepFeature,
}

/// <summary>
/// The arithmetic shared by XWP and XWP^c (docs/methods.md#xwp, #xwpc and #the-rank-1-fast-path) on any
/// model that exposes its first Linear layer (<see cref="FirstLayerAccess"/>). Only the first layer's weight
/// changes; the first-layer bias and every later layer stay at θ. With <c>Δ = W⁰ − W</c> (columns are features):
/// <list type="bullet">
/// <item>XWP, column i reset: <c>h_i = x Wᵀ + b + x_i Δ_i</c>.</item>
/// <item>XWP^c, only column i trained: <c>hᶜ_i = x W⁰ᵀ + b − x_i Δ_i</c>.</item>
/// </list>
/// and <c>R = Σ_n I_n (f_n(·) − f_n(·))</c> with <c>I_n = +1</c> for the target, −1 otherwise. Every class's
/// score comes from the same output difference <c>d</c>: <c>R_c = 2 d_c − Σ_n d_n</c>, so all classes cost
/// the passes of one.
/// </summary>
internal static class FirstLayerPerturbation
{
    /// <summary>
    /// The fast path: one pass of the rest of the network per (input, non-zero feature) pair, chunked to a
    /// memory budget. Returns <c>[B, D]</c> for targets <c>[B]</c>, or <c>[B, C, D]</c> when
    /// <paramref name="targets"/> is null (every class).
    /// </summary>
    public static Tensor Rank1(
        FirstLayerAccess model,
        Tensor inputs,
        Tensor? targets,
        Perturbation perturbation,
        ComplementSign sign,
        OutputSpace space,
        long memoryBudgetBytes,
        CancellationToken cancellationToken)
    {
        var rest = model.Rest ?? throw new InvalidOperationException("The model does not split into a first Linear layer and the rest.");
        var first = model.FirstPreActivation!;
        CheckFeatures(model, inputs);
        var x = inputs.reshape(inputs.shape[0], -1);
        var (rows, features) = (x.shape[0], x.shape[1]);

        var h = first(x);
        var fTrained = model.ToOutputs(rest(h.clone()), space);
        var classes = fTrained.shape[1];
        var indicator = targets is null ? null : Indicator(targets, classes);
        var deltaT = model.Initial.sub(model.Weight).t().contiguous();

        Tensor start;
        Tensor reference;
        Tensor result;
        double direction;
        if (perturbation == Perturbation.ResetFeature)
        {
            // R_i = I·(f(θ) − f(h + x_i Δ_i)); zero-valued features change nothing: R_i = 0.
            start = h;
            reference = fTrained;
            direction = 1.0;
            result = Zeros(rows, features, classes, indicator is null, x.device);
        }
        else
        {
            var h0 = first(x).add_(x.matmul(deltaT));
            var fInitial = model.ToOutputs(rest(h0.clone()), space);
            start = h0;
            direction = -1.0;
            if (sign == ComplementSign.ByItself)
            {
                // S_i = I·(f(hᶜ_i) − f(all initial)) = −I·(f(all initial) − f(hᶜ_i)); S_i = 0 when x_i = 0.
                reference = fInitial;
                result = Zeros(rows, features, classes, indicator is null, x.device);
            }
            else
            {
                // Literal eq. (5): I·(f(θ) − f(hᶜ_i)); when x_i = 0 this is C(x) = I·(f(θ) − f(all initial)).
                reference = fTrained;
                var c = Combine(fTrained.sub(fInitial), indicator);
                result = indicator is null
                    ? c.unsqueeze(1).expand(rows, features, classes).contiguous()
                    : c.unsqueeze(1).expand(rows, features).contiguous();
            }
        }

        // A pair whose perturbation x_i·Δ_i is exactly zero (x_i = 0, or column i unchanged by
        // training) changes nothing: skipping it is exact and keeps its score at the value above.
        var changed = deltaT.ne(0).any(1);
        var nonzero = x.ne(0).logical_and(changed.unsqueeze(0)).nonzero();
        var image = nonzero.select(1, 0).contiguous();
        var feature = nonzero.select(1, 1).contiguous();
        var flat = image.mul(features).add(feature);
        var factors = x.reshape(-1).index_select(0, flat).mul_(direction).contiguous();
        var pairs = nonzero.shape[0];
        var budgetRows = model.ChunkRows(memoryBudgetBytes);
        var chunk = Math.Min(budgetRows, Math.Max(1, pairs));
        var resultFlat = indicator is null ? result.view(-1, classes) : result.view(-1);
        var scale = perturbation == Perturbation.KeepFeature && sign == ComplementSign.ByItself ? -1.0 : 1.0;

        var afterReLU = model.RestAfterReLU;
        // The active-unit pass when its buffers (a W₂ᵀ copy per worker among them) fit the budget with the rows: a chunk
        // row costs what ChunkRows counts, within the CPU cap the rank-1 chunks have (the pass runs on the CPU only).
        var restRowBytes = (Math.Min(memoryBudgetBytes, ForwardChunks.CpuRank1ChunkBytes) + budgetRows - 1) / budgetRows;
        if (afterReLU is not null && model.NextLinear is { } next && ActiveUnitPasses.Applies(start, deltaT, next) &&
            ActiveUnitPasses.Run(
                new ActiveUnitPasses.Job(start, deltaT, image, feature, factors, flat, next, raw => model.ToOutputs(raw, space), reference, indicator, scale, resultFlat),
                budgetRows,
                restRowBytes,
                memoryBudgetBytes,
                cancellationToken))
        {
            return indicator is null ? result.permute(0, 2, 1).contiguous() : result;
        }

        // One buffer for every chunk's perturbed rows: the rest may overwrite it, and the next chunk refills it.
        using var buffer = empty(chunk, start.shape[1], dtype: start.dtype, device: start.device);
        for (long p = 0; p < pairs; p += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, pairs - p);
            var img = image.narrow(0, p, n);
            var perturbed = buffer.narrow(0, 0, n);
            PerturbedRows.Fill(start, deltaT, img, feature.narrow(0, p, n), factors.narrow(0, p, n), relu: afterReLU is not null, perturbed);
            var f = model.ToOutputs(afterReLU is null ? rest(perturbed) : afterReLU(perturbed), space);
            resultFlat.index_copy_(0, flat.narrow(0, p, n), PairScores(reference, indicator, img, f, scale));
        }

        // All classes were accumulated as [B, D, C]; maps are [B, C, D].
        return indicator is null ? result.permute(0, 2, 1).contiguous() : result;
    }

    /// <summary>
    /// The literal reference: for every feature, build the perturbed first-layer weight and run the whole
    /// network. Returns <c>[B, D]</c>, or <c>[B, C, D]</c> when <paramref name="targets"/> is null.
    /// </summary>
    public static Tensor RowSwap(
        FirstLayerAccess model,
        Tensor inputs,
        Tensor? targets,
        Perturbation perturbation,
        ComplementSign sign,
        OutputSpace space,
        CancellationToken cancellationToken)
    {
        CheckFeatures(model, inputs);
        var w = model.Weight.detach();
        var w0 = model.Initial;
        var fTrained = model.ToOutputs(model.WholeWithWeight(inputs, null), space);
        var fInitial = model.ToOutputs(model.WholeWithWeight(inputs, w0), space);
        var classes = fTrained.shape[1];
        var indicator = targets is null ? null : Indicator(targets, classes);
        var features = w.shape[1];
        var rows = inputs.shape[0];
        var result = indicator is null
            ? empty(rows, classes, features, dtype: float32, device: inputs.device)
            : empty(rows, features, dtype: float32, device: inputs.device);

        for (long i = 0; i < features; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            Tensor weight;
            if (perturbation == Perturbation.ResetFeature)
            {
                weight = w.clone();
                weight.select(1, i).copy_(w0.select(1, i));
            }
            else
            {
                weight = w0.clone();
                weight.select(1, i).copy_(w.select(1, i));
            }

            var f = model.ToOutputs(model.WholeWithWeight(inputs, weight), space);
            var score = perturbation == Perturbation.KeepFeature && sign == ComplementSign.ByItself
                ? Combine(f.sub(fInitial), indicator)
                : Combine(fTrained.sub(f), indicator);
            result.select(-1, i).copy_(score);
        }

        return result;
    }

    /// <summary>
    /// The scores of pairs whose outputs are <paramref name="f"/> <c>[M, C]</c>, pair m belonging to image
    /// <c>image[m]</c>: <c>scale · Σ_n I_n (reference_n − f_n)</c> <c>[M]</c>, or every class's <c>[M, C]</c> when
    /// <paramref name="indicator"/> is null.
    /// </summary>
    internal static Tensor PairScores(Tensor reference, Tensor? indicator, Tensor image, Tensor f, double scale)
    {
        var score = Combine(reference.index_select(0, image).sub_(f), indicator?.index_select(0, image));
        return scale == 1.0 ? score : score.mul_(scale);
    }

    /// <summary><c>I_n = +1</c> for the target class, −1 for every other (paper eq. 4), float32 <c>[B, C]</c>.</summary>
    internal static Tensor Indicator(Tensor targets, long classes) =>
        F.one_hot(targets, classes).to(float32).mul(2).sub(1);

    /// <summary>
    /// <c>Σ_n I_n d_n</c> per row <c>[M]</c> for the given indicators, or for every class at once
    /// (<c>2 d_c − Σ_n d_n</c>, <c>[M, C]</c>) when <paramref name="indicator"/> is null.
    /// </summary>
    private static Tensor Combine(Tensor d, Tensor? indicator) =>
        indicator is null ? d.mul(2).sub_(d.sum(1, keepdim: true)) : d.mul(indicator).sum(1);

    private static void CheckFeatures(FirstLayerAccess model, Tensor inputs)
    {
        var features = inputs.numel() / Math.Max(1, inputs.shape[0]);
        if (features != model.Weight.shape[1])
        {
            throw new ArgumentException(
                $"Inputs of shape {InputValidation.Shape(inputs)} hold {features} values per row, but the first Linear layer takes {model.Weight.shape[1]}: XWP gives one score per column of its weight, so each input row must flatten to exactly that many features.",
                nameof(inputs));
        }
    }

    private static Tensor Zeros(long rows, long features, long classes, bool allClasses, Device device) =>
        allClasses ? zeros(rows, features, classes, dtype: float32, device: device) : zeros(rows, features, dtype: float32, device: device);
}
