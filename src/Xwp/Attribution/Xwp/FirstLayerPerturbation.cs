using Xwp.Models;
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
/// The arithmetic shared by XWP and XWP^c (docs/methods.md#xwp, #xwpc and #the-rank-1-fast-path). Only the first layer's weight changes; the
/// first-layer bias and every later layer stay at θ. With <c>Δ = W⁰ − W</c> (columns are features):
/// <list type="bullet">
/// <item>XWP, column i reset: <c>h_i = x Wᵀ + b + x_i Δ_i</c>.</item>
/// <item>XWP^c, only column i trained: <c>hᶜ_i = x W⁰ᵀ + b − x_i Δ_i</c>.</item>
/// </list>
/// and <c>R = Σ_n I_n (f_n(·) − f_n(·))</c> with <c>I_n = +1</c> for the target, −1 otherwise.
/// </summary>
internal static class FirstLayerPerturbation
{
    /// <summary>The fast path: one pass of the head per (image, non-zero feature) pair, chunked to a memory budget.</summary>
    public static Tensor Rank1(
        Fcnn model,
        Tensor x,
        Tensor targets,
        Perturbation perturbation,
        ComplementSign sign,
        OutputSpace space,
        long memoryBudgetBytes,
        CancellationToken cancellationToken)
    {
        var trained = model.Trained;
        var initial = model.Initial;
        var (rows, features) = (x.shape[0], x.shape[1]);
        var indicator = Indicator(targets, model.ClassCount);

        var h = trained.FirstLayer(x);
        var fTrained = Output(trained.Head(h), space);
        var deltaT = initial.Weights[0].sub(trained.Weights[0]).t().contiguous();

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
            result = zeros(rows, features, dtype: float32, device: x.device);
        }
        else
        {
            var h0 = trained.FirstLayer(x, initial.Weights[0]);
            var fInitial = Output(trained.Head(h0), space);
            start = h0;
            direction = -1.0;
            if (sign == ComplementSign.ByItself)
            {
                // S_i = I·(f(hᶜ_i) − f(all initial)) = −I·(f(all initial) − f(hᶜ_i)); S_i = 0 when x_i = 0.
                reference = fInitial;
                result = zeros(rows, features, dtype: float32, device: x.device);
            }
            else
            {
                // Literal eq. (5): I·(f(θ) − f(hᶜ_i)); when x_i = 0 this is C(x) = I·(f(θ) − f(all initial)).
                reference = fTrained;
                var c = fTrained.sub(fInitial).mul(indicator).sum(1, keepdim: true);
                result = c.expand(rows, features).contiguous();
            }
        }

        // A pair whose perturbation x_i·Δ_i is exactly zero (x_i = 0, or column i unchanged by
        // training) changes nothing: skipping it is exact and keeps its score at the value above.
        var changed = deltaT.ne(0).any(1);
        var nonzero = x.ne(0).logical_and(changed.unsqueeze(0)).nonzero();
        var image = nonzero.select(1, 0);
        var feature = nonzero.select(1, 1);
        var flat = image.mul(features).add(feature);
        var values = x.reshape(-1).index_select(0, flat);
        var pairs = nonzero.shape[0];
        var chunk = ForwardChunks.Rows(model, memoryBudgetBytes);
        var resultFlat = result.view(-1);
        var scale = perturbation == Perturbation.KeepFeature && sign == ComplementSign.ByItself ? -1.0 : 1.0;

        for (long p = 0; p < pairs; p += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, pairs - p);
            var img = image.narrow(0, p, n);
            var perturbed = start.index_select(0, img)
                .addcmul_(deltaT.index_select(0, feature.narrow(0, p, n)), values.narrow(0, p, n).unsqueeze(1), value: direction);
            var f = Output(trained.HeadInPlace(perturbed), space);
            var score = reference.index_select(0, img).sub_(f).mul_(indicator.index_select(0, img)).sum(1);
            if (scale != 1.0)
            {
                score.mul_(scale);
            }

            resultFlat.index_copy_(0, flat.narrow(0, p, n), score);
        }

        return result;
    }

    /// <summary>The literal reference: for every feature, build the perturbed first-layer weight and run the whole network.</summary>
    public static Tensor RowSwap(
        Fcnn model,
        Tensor x,
        Tensor targets,
        Perturbation perturbation,
        ComplementSign sign,
        OutputSpace space,
        CancellationToken cancellationToken)
    {
        var trained = model.Trained;
        var initial = model.Initial;
        var w = trained.Weights[0];
        var w0 = initial.Weights[0];
        var indicator = Indicator(targets, model.ClassCount);
        var fTrained = Output(trained.Logits(x), space);
        var fInitial = Output(trained.Logits(x, w0), space);
        var features = x.shape[1];
        var result = empty(x.shape[0], features, dtype: float32, device: x.device);

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

            var f = Output(trained.Logits(x, weight), space);
            var score = perturbation == Perturbation.KeepFeature && sign == ComplementSign.ByItself
                ? f.sub(fInitial).mul(indicator).sum(1)
                : fTrained.sub(f).mul(indicator).sum(1);
            result.select(1, i).copy_(score);
        }

        return result;
    }

    /// <summary><c>I_n = +1</c> for the target class, −1 for every other (paper eq. 4), float32 <c>[B, C]</c>.</summary>
    internal static Tensor Indicator(Tensor targets, int classes) =>
        F.one_hot(targets, classes).to(float32).mul(2).sub(1);

    private static Tensor Output(Tensor logits, OutputSpace space) =>
        ModelOutputs.FromLogits(logits, space);
}
