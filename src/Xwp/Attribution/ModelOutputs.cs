using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// The model's outputs as attribution methods need them: whole output rows, the target's score, and
/// the target score's gradient with respect to the input. Every method goes through these, so
/// "probabilities or logits" means the same thing everywhere.
/// </summary>
internal static class ModelOutputs
{
    /// <summary>
    /// The outputs a method measures: softmax probabilities over classes, or the logits themselves. A
    /// single-output model (<c>[M, 1]</c>: a regression or a binary logit) has no softmax worth measuring (it is
    /// always 1): its raw output is measured in both spaces (docs/methods.md#single-output-models).
    /// </summary>
    public static Tensor FromLogits(Tensor logits, OutputSpace space) =>
        space == OutputSpace.Probabilities && !(logits.dim() == 2 && logits.shape[1] == 1) ? Softmax(logits) : logits;

    /// <summary>
    /// Softmax over the last dimension (the classes). Without autograd it is computed as <c>e / Σ e</c> with
    /// <c>e = exp(z − max z)</c> in place: for the few classes of a classifier libtorch's own softmax kernel
    /// took 5–9× longer on this project's CPU benchmark (a tenth of XWP's time). The two agree to float rounding.
    /// </summary>
    public static Tensor Softmax(Tensor logits)
    {
        if (logits.requires_grad)
        {
            return logits.softmax(-1);
        }

        var e = logits.sub(logits.amax([-1], keepdim: true)).exp_();
        return e.div_(e.sum(-1, keepdim: true));
    }

    /// <summary>
    /// The outputs a method measures from what the model returned (<paramref name="raw"/>, <c>[M, C]</c>):
    /// softmax of logits, or probabilities as they are.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The output is not floating point, is not <c>[M, C]</c>, holds NaN or infinity, is declared probabilities but its
    /// rows do not lie in [0, 1] and sum to 1, or logits are asked of a model that returns probabilities.
    /// </exception>
    public static Tensor FromModel(ExplainableModel model, Tensor raw, OutputSpace space, long rows)
    {
        CheckFloatingPoint(model, raw, rows);
        if (raw.dim() == 1 && raw.shape[0] == rows)
        {
            // A single-output model returning [M]: the same as [M, 1].
            raw = raw.unsqueeze(1);
        }

        if (raw.dim() != 2 || raw.shape[0] != rows || raw.shape[1] < 1)
        {
            throw new InvalidOperationException(
                $"The model's forward function returned shape {InputValidation.Shape(raw)} for {rows} input row(s); expected [{rows}, C] (one row of class scores per input), or [{rows}] / [{rows}, 1] for a single output.");
        }

        CheckValues(model, raw);

        if (model.Output == ModelOutput.Logits || raw.shape[1] == 1)
        {
            return FromLogits(raw.to(float32), space);
        }

        if (space == OutputSpace.Logits)
        {
            throw new InvalidOperationException(
                "The model returns probabilities (ModelOutput.Probabilities), so its logits are unknown: use OutputSpace.Probabilities for this method.");
        }

        return raw.to(float32);
    }

    /// <summary>
    /// Refuses outputs that are not floating point (int64 class indices, integer-scaled scores, booleans): every
    /// method and metric measures differences of the outputs, which would be integer steps without meaning. Every
    /// output of a model Xwp knows only by its forward function passes here first (<see cref="FromModel"/> and
    /// <see cref="ClassCount"/>), so the first forward pass of any run refuses them, with one message for every method
    /// and metric.
    /// </summary>
    /// <param name="model">The model, named by the message (its file, for a TorchScript model).</param>
    /// <param name="raw">What the forward function returned.</param>
    /// <param name="rows">The input rows of that pass, for the message.</param>
    /// <exception cref="InvalidOperationException">The outputs are not floating point; the message names the model, their dtype and shape.</exception>
    internal static void CheckFloatingPoint(ExplainableModel model, Tensor raw, long rows)
    {
        if (raw.is_floating_point())
        {
            return;
        }

        throw new InvalidOperationException(
            $"{model.Subject} returned {raw.dtype.ToString().ToLowerInvariant()} outputs of shape {InputValidation.Shape(raw)} for {rows} input row(s); " +
            "attribution methods and metrics measure how the outputs change, so the forward function must return floating-point " +
            "class scores [N, C]: float logits or probabilities (not class indices, counts or integer-scaled scores; e.g. return logits.float()).");
    }

    /// <summary>The tolerance on probabilities: each within [-tol, 1 + tol], each row's sum within 1 ± tol.</summary>
    internal const double ProbabilityTolerance = 1e-3;

    /// <summary>
    /// Refuses outputs <c>[M, C]</c> that hold NaN or infinity (every attribution computed from them would be
    /// NaN), and outputs declared <see cref="ModelOutput.Probabilities"/> whose rows are not probabilities
    /// (values in [0, 1] that sum to 1, within <see cref="ProbabilityTolerance"/>), which are most often logits;
    /// a single output per row is not checked for probabilities.
    /// </summary>
    /// <exception cref="InvalidOperationException">The outputs are not finite, or not probabilities when declared so.</exception>
    internal static void CheckValues(ExplainableModel model, Tensor raw)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var values = raw.detach();
        if (!InputValidation.AllFinite(values))
        {
            var nan = values.isnan().sum().item<long>();
            var infinite = values.isinf().sum().item<long>();
            var what = string.Join(" and ", new[] { nan > 0 ? $"{nan} NaN" : null, infinite > 0 ? $"{infinite} infinite" : null }.Where(w => w is not null));
            throw new InvalidOperationException(
                $"{model.Subject} returned {what} values among its {values.numel()} outputs {InputValidation.Shape(values)} for a batch of {values.shape[0]} input row(s); " +
                "attributions need finite outputs (check the model's weights and its forward function).");
        }

        if (model.Output != ModelOutput.Probabilities || values.dim() != 2 || values.shape[1] == 1)
        {
            // A single output (e.g. one sigmoid probability) has no row that must sum to 1.
            return;
        }

        var sums = values.to(float64).sum(1);
        var worstSum = sums.sub(1).abs().max().item<double>();
        var min = values.min().item<float>();
        var max = values.max().item<float>();
        if (min < -ProbabilityTolerance || max > 1 + ProbabilityTolerance || worstSum > ProbabilityTolerance)
        {
            var row = sums.sub(1).abs().argmax().item<long>();
            throw new InvalidOperationException(
                $"The model is declared to return probabilities (ModelOutput.Probabilities), but its outputs are not: they range from " +
                $"{min.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} to {max.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} and row {row} sums to " +
                $"{sums[row].item<double>().ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} (probabilities lie in [0, 1] and each row sums to 1). " +
                "If it returns logits, use ModelOutput.Logits.");
        }
    }

    /// <summary>Outputs <c>[M, C]</c> of the model for inputs <c>[M, …]</c> (no gradient).</summary>
    public static Tensor Evaluate(ExplainableModel model, Tensor inputs, OutputSpace space)
    {
        using var noGrad = no_grad();
        if (model.FcnnParameters is { } fcnn && inputs.dim() == 2)
        {
            var logits = fcnn.Logits(inputs);
            CheckValues(model, logits);
            return FromLogits(logits, space);
        }

        return FromModel(model, model.Forward(inputs), space, inputs.shape[0]);
    }

    /// <summary>The target's output <c>[M]</c> for each row (no gradient); <paramref name="targets"/> is int64 <c>[M]</c>.</summary>
    public static Tensor TargetScores(ExplainableModel model, Tensor inputs, Tensor targets, OutputSpace space) =>
        Evaluate(model, inputs, space).gather(1, targets.unsqueeze(1)).squeeze(1);

    /// <summary>
    /// The gradient (of the inputs' shape) of each row's target output with respect to that row's input,
    /// through autograd on the whole forward function, on a detached copy of the inputs (rows are
    /// independent, so one backward pass of the sum serves all). An <see cref="Fcnn"/>'s forward function never
    /// writes to its argument, so it gets the detached inputs without the copy. With <paramref name="predictTargets"/>
    /// the targets are first overwritten with the predicted classes: the argmax of the same forward pass's outputs.
    /// </summary>
    public static Tensor TargetGradient(ExplainableModel model, Tensor inputs, Tensor targets, OutputSpace space, bool predictTargets = false)
    {
        using var grad = enable_grad();
        var detached = inputs.detach();
        var x = (model is Fcnn ? detached : detached.clone()).requires_grad_(true);
        var raw = model.Forward(x);
        var outputs = FromModel(model, raw, space, x.shape[0]);
        if (predictTargets)
        {
            using var noGrad = no_grad();
            targets.copy_(raw.detach().reshape(x.shape[0], -1).argmax(1));
        }

        var selected = outputs.gather(1, targets.unsqueeze(1)).sum();
        if (!selected.requires_grad)
        {
            // libtorch's error for this case escapes TorchSharp uncaught and ends the process: refuse it here.
            throw new InvalidOperationException(
                $"The model's outputs ({raw.dtype}) do not depend differentiably on its inputs: saliency, Input×Gradient and Integrated " +
                "Gradients need a forward function that autograd can follow (floating-point outputs, no detach() or no_grad() inside). " +
                "Occlusion, feature ablation, KernelSHAP, Shapley value sampling and RISE need only the outputs.");
        }

        // allow_unused: outputs that do not use the inputs at all have gradient 0 (libtorch would raise an uncatchable error).
        var gradients = autograd.grad([selected], [x], null, false, false, true);
        var gradient = gradients[0];
        if (gradient.IsInvalid)
        {
            return zeros_like(x);
        }

        // An expanded gradient (e.g. of a sum over the features) has one element behind many positions, and the methods
        // scale the gradient in place: give them a tensor of their own then (contiguous() returns the others as they are).
        return gradient.detach().contiguous();
    }

    /// <summary>
    /// The class count C, from an <see cref="Fcnn"/>'s layers or from one forward pass of the first input row. That pass
    /// runs in eval mode like every explanation: a module left in training mode would otherwise move its BatchNorm running
    /// statistics towards this one row (and Dropout would fire), changing every map computed after it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model's output is not floating point, or not <c>[1, C]</c> for one row.</exception>
    public static int ClassCount(ExplainableModel model, Tensor inputs)
    {
        if (model is Fcnn fcnn)
        {
            return fcnn.ClassCount;
        }

        using var explaining = model.BeginExplaining();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var raw = model.Forward(inputs.narrow(0, 0, 1));
        CheckFloatingPoint(model, raw, 1);
        if (raw.dim() == 1 && raw.shape[0] == 1)
        {
            return 1;
        }

        if (raw.dim() != 2 || raw.shape[0] != 1 || raw.shape[1] < 1)
        {
            throw new InvalidOperationException(
                $"The model's forward function returned shape {InputValidation.Shape(raw)} for one input row of shape {InputValidation.Shape(inputs.narrow(0, 0, 1))}; expected [1, C] (one row of class scores per input), or [1] / [1, 1] for a single output.");
        }

        CheckValues(model, raw);
        return checked((int)raw.shape[1]);
    }

    /// <summary>Rows per forward pass of <see cref="Predict(ExplainableModel, Tensor)"/>: as many as fit the default memory budget.</summary>
    public static long PredictRows(ExplainableModel model, Tensor inputs) =>
        ForwardChunks.Rows(model, inputs.numel() / Math.Max(1, inputs.shape[0]), 256L << 20);

    /// <summary>The predicted class <c>[M]</c> (int64, argmax of the model's outputs), in chunks of <see cref="PredictRows"/>.</summary>
    public static Tensor Predict(ExplainableModel model, Tensor inputs) => Predict(model, inputs, out _);

    /// <summary>
    /// The predicted class <c>[M]</c> as <see cref="Predict(ExplainableModel, Tensor)"/>, and the class count C of the
    /// outputs it read (0 for no rows), so that callers need no separate pass to learn C.
    /// </summary>
    public static Tensor Predict(ExplainableModel model, Tensor inputs, out int classes)
    {
        using var noGrad = no_grad();
        classes = model is Fcnn fcnn ? fcnn.ClassCount : 0;
        var rows = inputs.shape[0];
        var chunk = PredictRows(model, inputs);
        var predicted = empty(rows, dtype: int64, device: inputs.device);
        for (long start = 0; start < rows; start += chunk)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, rows - start);
            var outputs = Evaluate(model, inputs.narrow(0, start, n), model.Output == ModelOutput.Logits ? OutputSpace.Logits : OutputSpace.Probabilities);
            classes = checked((int)outputs.shape[1]);
            predicted.narrow(0, start, n).copy_(outputs.argmax(1));
        }

        return predicted;
    }
}
