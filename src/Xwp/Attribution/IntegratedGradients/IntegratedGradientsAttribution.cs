using static TorchSharp.torch;

namespace Xwp.Attribution.IntegratedGradients;

/// <summary>
/// Integrated Gradients with a quadrature rule: <c>IG = (x − x′) ⊙ Σ_k w_k ∇_x f_t(x′ + α_k (x − x′))</c>.
/// </summary>
/// <remarks>
/// The first layer is linear, so along the path its pre-activation is
/// <c>h(α) = h(x′) + α (h(x) − h(x′))</c> and <c>∇_x f_t = Wᵀ ∇_h f_t</c>. The method therefore runs the
/// head of the network (everything after the first linear layer) at every path point, takes the
/// gradient with respect to h on a detached copy, sums the weighted gradients per row and multiplies
/// by W once per row: <c>IG = (x − x′) ⊙ (Σ_k w_k ∇_h f_t(h(α_k))) W</c>. The result equals the literal
/// input-space computation (tests compare them) without a <c>[D]</c>-wide first layer and its
/// backward pass at each of the steps.
/// </remarks>
internal sealed class IntegratedGradientsAttribution(IntegratedGradientsOptions options) : AttributionMethod
{
    /// <summary>The name of the per-input diagnostic.</summary>
    public const string CompletenessGap = "completeness_gap";

    public IntegratedGradientsOptions Options { get; } = options;

    public override string Name => "ig";

    /// <summary><c>completeness_gap</c> = Σ_i IG_i − (f_t(x) − f_t(x′)), per input.</summary>
    public override IReadOnlyList<string> DiagnosticNames => [CompletenessGap];

    /// <summary>Both paths return <c>x − x′</c>, a new tensor, multiplied in place.</summary>
    internal override bool ReturnsOwnedMap => true;

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        batch.Fcnn is { } fcnn ? FirstLayer(batch, fcnn) : Forward(batch);

    /// <summary>
    /// Any model: the path points <c>x′ + α_k (x − x′)</c> of a chunk of rows and steps go through the whole
    /// forward function in one pass, and autograd gives <c>∇_x f_t</c> at each of them.
    /// </summary>
    internal Tensor Forward(AttributionBatch batch)
    {
        var x = batch.Inputs;
        var baseline = Options.Baseline.ForBatch(x, batch.Offset, "Baseline");
        var difference = x.sub(baseline);
        var points = Options.InternalBatchSize ?? ForwardChunks.Rows(batch.Model, batch.Features, Options.MemoryBudgetBytes, extraFloatsPerRow: 2 * batch.Features, backward: true);
        var summed = WeightedGradientSum(batch, baseline, difference, points, (path, targets) => ModelOutputs.TargetGradient(batch.Model, path, targets, Options.OutputSpace));
        return difference.mul_(summed);
    }

    private Tensor FirstLayer(AttributionBatch batch, Fcnn model)
    {
        var net = model.Trained;
        var x = batch.Inputs;
        var baseline = Options.Baseline.ForBatch(x, batch.Offset, "Baseline");
        var hx = net.FirstLayer(x);
        var hb = net.FirstLayer(baseline);
        var hidden = hx.shape[1];
        var points = Options.InternalBatchSize ?? ForwardChunks.Rows(model, Options.MemoryBudgetBytes, extraFloatsPerRow: 2 * hidden, copies: 4);
        var summed = WeightedGradientSum(batch, hb, hx.sub(hb), points, (h, targets) => HeadGradient(net, h, targets));
        return x.sub(baseline).mul_(summed.matmul(net.Weights[0]));
    }

    /// <summary>
    /// <c>Σ_k w_k g(start + α_k · delta)</c> per row, of <paramref name="start"/>'s shape <c>[N, …]</c>: the path
    /// points of a chunk of rows and quadrature steps (at most <paramref name="points"/> of them) go to
    /// <paramref name="gradient"/> together, with each point's target. Both paths of the method run this
    /// loop, in the input space or in the first layer's pre-activation space.
    /// </summary>
    private Tensor WeightedGradientSum(AttributionBatch batch, Tensor start, Tensor delta, long points, Func<Tensor, Tensor, Tensor> gradient)
    {
        var rows = start.shape[0];
        var one = start.shape.Skip(1).ToArray();
        var broadcast = Enumerable.Repeat(1L, one.Length).ToArray();
        var (alphaValues, weightValues) = Quadrature.Nodes(Options.Rule, Options.Steps);
        var steps = (long)alphaValues.Length;
        var alphas = tensor(alphaValues, float32).to(start.device);
        var weights = tensor(weightValues, float32).to(start.device);
        var rowsPerChunk = Math.Max(1, points / steps);
        var stepsPerChunk = Math.Min(steps, points);
        var summed = zeros_like(start);
        for (long r = 0; r < rows; r += rowsPerChunk)
        {
            var nr = Math.Min(rowsPerChunk, rows - r);
            for (long s = 0; s < steps; s += stepsPerChunk)
            {
                batch.CancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var ns = Math.Min(stepsPerChunk, steps - s);
                var a = alphas.narrow(0, s, ns).view([1, ns, .. broadcast]);
                var path = start.narrow(0, r, nr).unsqueeze(1).add(delta.narrow(0, r, nr).unsqueeze(1).mul(a)).view([nr * ns, .. one]);
                var targets = batch.Targets.narrow(0, r, nr).repeat_interleave(ns);
                var g = gradient(path, targets).view([nr, ns, .. one]);
                summed.narrow(0, r, nr).add_(g.mul_(weights.narrow(0, s, ns).view([1, ns, .. broadcast])).sum(1));
            }
        }

        return summed;
    }

    internal override Tensor[] Diagnose(AttributionBatch batch, Tensor map)
    {
        var baseline = Options.Baseline.ForBatch(batch.Inputs, batch.Offset, "Baseline");
        var fx = ModelOutputs.TargetScores(batch.Model, batch.Inputs, batch.Targets, Options.OutputSpace);
        var fb = ModelOutputs.TargetScores(batch.Model, baseline, batch.Targets, Options.OutputSpace);
        return [map.reshape(map.shape[0], -1).sum(1).sub(fx.sub(fb))];
    }

    /// <summary>∇_h f_t at first-layer pre-activations <c>[P, H1]</c>, on a detached copy.</summary>
    private Tensor HeadGradient(Models.FcnnSnapshot net, Tensor firstPreActivation, Tensor targets)
    {
        using var grad = enable_grad();
        var h = firstPreActivation.detach().requires_grad_(true);
        var logits = net.Head(h);
        var outputs = ModelOutputs.FromLogits(logits, Options.OutputSpace);
        var selected = outputs.gather(1, targets.unsqueeze(1)).sum();
        return autograd.grad([selected], [h])[0].detach();
    }
}
