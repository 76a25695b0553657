using static TorchSharp.torch;

namespace Xwp.Attribution;

/// <summary>
/// The reference input x′ of the methods that compare an input with a baseline (SHAP, Integrated
/// Gradients). An option holds it as a tensor owned by the caller: null means all zeros, a scalar
/// tensor a constant, <c>[D]</c> (or <c>[1, D]</c>) one baseline for every row, <c>[N, D]</c> one per
/// input row of the whole run.
/// </summary>
internal static class BaselineInput
{
    /// <summary>Checks what can be checked before the inputs are known.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tensor is disposed, not floating point, of rank above 2, or not finite.</exception>
    public static void Validate(Tensor? baseline, string optionName)
    {
        if (baseline is null)
        {
            return;
        }

        if (baseline.IsInvalid)
        {
            throw new ArgumentOutOfRangeException(optionName, "The baseline tensor has been disposed.");
        }

        if (!is_floating_point(baseline))
        {
            throw new ArgumentOutOfRangeException(optionName, baseline.dtype, "The baseline must be a floating-point tensor.");
        }

        if (baseline.dim() > 2)
        {
            throw new ArgumentOutOfRangeException(optionName, $"[{string.Join(", ", baseline.shape)}]", "The baseline must be a scalar, [D] or [N, D].");
        }

        using var scope = NewDisposeScope();
        if (!baseline.isfinite().all().item<bool>())
        {
            throw new ArgumentOutOfRangeException(optionName, "The baseline must be finite (no NaN or infinity).");
        }
    }

    /// <summary>The baseline rows <c>[B, D]</c> (float32, on the inputs' device) for one batch.</summary>
    /// <exception cref="ArgumentException">The baseline's shape does not fit the inputs.</exception>
    public static Tensor ForBatch(Tensor? baseline, AttributionBatch batch, string optionName)
    {
        var x = batch.Inputs;
        var (rows, features) = (x.shape[0], x.shape[1]);
        if (baseline is null)
        {
            return zeros_like(x);
        }

        ObjectDisposedException.ThrowIf(baseline.IsInvalid, baseline);
        var b = baseline.detach().to(float32).to(x.device);
        switch (b.dim())
        {
            case 0:
                return b.expand(rows, features).contiguous();
            case 1:
                CheckFeatures(b.shape[0], features, optionName);
                return b.unsqueeze(0).expand(rows, features).contiguous();
            default:
                CheckFeatures(b.shape[1], features, optionName);
                if (b.shape[0] == 1)
                {
                    return b.expand(rows, features).contiguous();
                }

                if (b.shape[0] < batch.Offset + rows)
                {
                    throw new ArgumentException(
                        $"{optionName} has {b.shape[0]} rows; a per-row baseline needs one row per input (row {batch.Offset + rows - 1} was asked for).",
                        optionName);
                }

                return b.narrow(0, batch.Offset, rows).contiguous();
        }
    }

    private static void CheckFeatures(long baselineFeatures, long features, string optionName)
    {
        if (baselineFeatures != features)
        {
            throw new ArgumentException($"{optionName} has {baselineFeatures} features; the inputs have {features}.", optionName);
        }
    }
}
