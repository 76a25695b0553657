using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>Which curve: features leave the input (Deletion) or enter a blank one (Insertion).</summary>
internal enum CurveKind
{
    Deletion,
    Insertion,
}

/// <summary>
/// Deletion and Insertion curves (Petsiuk et al., 2018) for one batch: the target's softmax
/// probability (or logit, <see cref="CurveScore"/>) before the first step and after each step of <see cref="CurvePlan"/>. All images of
/// the batch and all steps of a chunk go through the network in one forward pass.
/// </summary>
internal static class PerturbationCurves
{
    /// <summary>Curves <c>[B, S + 1]</c> (float32); <paramref name="removal"/> is <c>[D]</c> or <c>[B, D]</c>; runs in the caller's dispose scope, under no_grad.</summary>
    public static Tensor Compute(
        ExplainableModel model,
        long[] inputShape,
        Tensor inputs,
        Tensor targets,
        Tensor maps,
        Tensor removal,
        CurvePlan plan,
        CurveKind kind,
        CurveAlgorithm algorithm,
        CurveScore score,
        long memoryBudgetBytes,
        CancellationToken cancellationToken)
    {
        using var noGrad = no_grad();
        var order = Ranking.Order(maps);
        return algorithm == CurveAlgorithm.Incremental && model is Fcnn fcnn
            ? Incremental(fcnn, inputs, targets, order, removal, plan, kind, score, memoryBudgetBytes, cancellationToken)
            : Masked(model, inputShape, inputs, targets, order, removal, plan, kind, score, memoryBudgetBytes, cancellationToken);
    }

    /// <summary>The trapezoid area under each curve with x = k/S: <c>(Σ y − (y₀ + y_S)/2) / S</c>, float64 <c>[B]</c>.</summary>
    public static Tensor Area(Tensor curves)
    {
        var y = curves.to(float64);
        var steps = y.shape[1] - 1;
        var ends = y.select(1, 0).add(y.select(1, steps)).mul_(0.5);
        return y.sum(1).sub_(ends).div_(steps);
    }

    /// <summary>The reference, and the path of every model that is not an FCNN: every masked input is built and goes through the whole forward function.</summary>
    private static Tensor Masked(
        ExplainableModel model, long[] inputShape, Tensor inputs, Tensor targets, Tensor order, Tensor removal, CurvePlan plan, CurveKind kind, CurveScore score, long budget, CancellationToken cancellationToken)
    {
        var (rows, features) = (inputs.shape[0], inputs.shape[1]);
        var positions = Ranking.Positions(order);
        var counts = tensor(plan.Counts.Select(c => (long)c).ToArray(), int64).to(inputs.device);
        var curves = empty([rows, plan.Steps + 1], float32, inputs.device);
        var x = inputs.unsqueeze(0);
        var r = removal.view(1, -1, features);

        // Per (image, step): the masked input and its mask, and every layer's output twice (output and activation).
        var rowBytes = model is Fcnn fcnn
            ? (4L * 2 * (features + fcnn.Trained.Weights.Sum(w => w.shape[0]))) + features
            : (4L * features * (2 + Attribution.ForwardChunks.OpaqueActivationFactor)) + features;
        var chunk = StepsPerChunk(budget, rows * rowBytes, plan.Steps + 1);
        for (var start = 0; start <= plan.Steps; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var steps = Math.Min(chunk, plan.Steps + 1 - start);
            using var scope = NewDisposeScope();
            var taken = positions.unsqueeze(0).lt(counts.narrow(0, start, steps).view(steps, 1, 1));
            var masked = kind == CurveKind.Deletion ? where(taken, r, x) : where(taken, x, r);
            var all = MetricForward.Scores(model, inputShape, masked.view(steps * rows, features), score).view(steps, rows, -1);
            var scores = all.gather(2, targets.view(1, rows, 1).expand(steps, rows, 1)).squeeze(2).t();
            curves.narrow(1, start, steps).copy_(scores);
        }

        return curves;
    }

    /// <summary>
    /// The fast path. With first-layer weights W (<c>[H, D]</c>) and bias b, the masked input
    /// <c>x − m ⊙ (x − r)</c> has pre-activation <c>W x + b − Σ_{j removed} W_j (x_j − r_j)</c>: each step
    /// adds the columns of the features it removes, weighted by <c>x_j − r_j</c>, to a running
    /// pre-activation (Insertion starts from <c>W r + b</c> and adds them). Only the layers after the
    /// first run per step.
    /// </summary>
    private static Tensor Incremental(
        Fcnn model, Tensor inputs, Tensor targets, Tensor order, Tensor removal, CurvePlan plan, CurveKind kind, CurveScore score, long budget, CancellationToken cancellationToken)
    {
        var snapshot = model.Trained;
        var device = inputs.device;
        var (rows, features) = (inputs.shape[0], inputs.shape[1]);
        var hidden = snapshot.Weights[0].shape[0];
        var columns = snapshot.Weights[0].t().contiguous();
        var differences = inputs.sub(removal);
        var running = kind == CurveKind.Deletion
            ? snapshot.FirstLayer(inputs)
            : snapshot.FirstLayer(removal.view(-1, features)).expand(rows, hidden).contiguous();
        var sign = kind == CurveKind.Deletion ? -1.0 : 1.0;
        var curves = empty([rows, plan.Steps + 1], float32, device);
        curves.select(1, 0).copy_(Ranking.TargetScores(snapshot.Head(running), targets, score));

        // Per (image, step): the gathered columns, the step's change and running sum, and the head's layers twice.
        var width = Math.Max(1, plan.LargestStep);
        var headWidth = snapshot.Weights.Skip(1).Sum(w => w.shape[0]);
        var rowBytes = 4L * ((width * (hidden + 2)) + (3 * hidden) + (2 * headWidth));
        var chunk = StepsPerChunk(budget, rows * rowBytes, plan.Steps);
        for (var first = 1; first <= plan.Steps; first += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var steps = Math.Min(chunk, plan.Steps + 1 - first);
            using var scope = NewDisposeScope();

            // Step s takes the features at rank positions [Counts[s-1], Counts[s]); pad every step to `width` with weight 0.
            var slots = new long[steps * width];
            var weights = new float[steps * width];
            for (var i = 0; i < steps; i++)
            {
                var from = plan.Counts[first + i - 1];
                var to = plan.Counts[first + i];
                for (var j = 0; j < to - from; j++)
                {
                    slots[(i * width) + j] = from + j;
                    weights[(i * width) + j] = 1;
                }
            }

            var chosen = order.index_select(1, tensor(slots, int64).to(device));
            var coefficients = differences.gather(1, chosen).mul_(tensor(weights, float32).to(device)).mul_(sign);
            var gathered = columns.index_select(0, chosen.flatten()).view(rows * steps, width, hidden);
            var changes = bmm(coefficients.view(rows * steps, 1, width), gathered).view(rows, steps, hidden);
            var preActivations = changes.cumsum(1).add_(running.unsqueeze(1));
            running.copy_(preActivations.select(1, steps - 1));
            var logits = snapshot.HeadInPlace(preActivations);
            curves.narrow(1, first, steps).copy_(Ranking.TargetScores(logits, targets, score));
        }

        return curves;
    }

    private static int StepsPerChunk(long budget, long bytesPerStep, int steps) =>
        (int)Math.Clamp(budget / Math.Max(1, bytesPerStep), 1, Math.Max(1, steps));
}
