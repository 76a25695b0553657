using static TorchSharp.torch;

namespace Xwp;

/// <summary>Checks on the tensors users pass in, with messages that name the argument and the problem.</summary>
internal static class InputValidation
{
    /// <summary>
    /// Inputs (or maps of the inputs' shape) must be a finite floating-point <c>[N, D]</c> tensor with N ≥ 1;
    /// <paramref name="subject"/> begins the message about non-finite values (e.g. <c>Attribution map 'xwp'</c>).
    /// </summary>
    public static void CheckInputs(Tensor inputs, int features, string name, string subject = "Inputs")
    {
        ArgumentNullException.ThrowIfNull(inputs, name);
        if (inputs.IsInvalid)
        {
            throw new ArgumentException("The tensor has been disposed.", name);
        }

        if (inputs.dim() != 2)
        {
            throw new ArgumentException($"Expected a [N, {features}] tensor, got shape {Shape(inputs)}.", name);
        }

        if (inputs.shape[1] != features)
        {
            throw new ArgumentException($"Expected {features} features per row, got shape {Shape(inputs)}.", name);
        }

        if (inputs.shape[0] < 1)
        {
            throw new ArgumentException("Expected at least one row, got none.", name);
        }

        if (!is_floating_point(inputs))
        {
            throw new ArgumentException($"Expected a floating-point tensor, got {inputs.dtype}.", name);
        }

        using var scope = NewDisposeScope();
        if (!AllFinite(inputs))
        {
            var bad = inputs.isfinite().logical_not().nonzero();
            var row = bad[0, 0].item<long>();
            var col = bad[0, 1].item<long>();
            throw new ArgumentException(
                $"{subject} must be finite: {bad.shape[0]} value(s) are NaN or infinite, the first at row {row}, feature {col}.", name);
        }
    }

    /// <summary>
    /// Inputs for <paramref name="model"/>: for an <see cref="Fcnn"/> as <see cref="CheckInputs(Tensor, int, string, string)"/>;
    /// otherwise a finite floating-point tensor <c>[N, …]</c> with N ≥ 1 whose per-input shape is the
    /// model's <see cref="ExplainableModel.InputShape"/> when it declares one; <paramref name="subject"/> begins
    /// the message about non-finite values.
    /// </summary>
    public static void CheckInputs(Tensor inputs, ExplainableModel model, string name, string subject = "Inputs")
    {
        if (model is Fcnn fcnn)
        {
            CheckInputs(inputs, fcnn.InputSize, name, subject);
            return;
        }

        ArgumentNullException.ThrowIfNull(inputs, name);
        if (inputs.IsInvalid)
        {
            throw new ArgumentException("The tensor has been disposed.", name);
        }

        if (inputs.dim() < 2)
        {
            throw new ArgumentException($"Expected a batch [N, ...] of at least two dimensions, got shape {Shape(inputs)}.", name);
        }

        if (model.InputShape is { } expected && !inputs.shape.Skip(1).SequenceEqual(expected))
        {
            throw new ArgumentException($"Expected inputs [N, {string.Join(", ", expected)}] (the model's input shape), got shape {Shape(inputs)}.", name);
        }

        if (inputs.shape[0] < 1)
        {
            throw new ArgumentException("Expected at least one row, got none.", name);
        }

        if (!is_floating_point(inputs))
        {
            throw new ArgumentException($"Expected a floating-point tensor, got {inputs.dtype}.", name);
        }

        using var scope = NewDisposeScope();
        var flat = inputs.reshape(inputs.shape[0], -1);
        if (!AllFinite(flat))
        {
            var bad = flat.isfinite().logical_not().nonzero();
            var row = bad[0, 0].item<long>();
            var col = bad[0, 1].item<long>();
            throw new ArgumentException(
                $"{subject} must be finite: {bad.shape[0]} value(s) are NaN or infinite, the first at row {row}, feature {col} (row-major within the row).", name);
        }
    }

    /// <summary>
    /// Whether every value of a floating-point tensor is finite. A sum that comes out finite proves it in one
    /// reduction without a mask (NaN and ±∞ stay non-finite through any sum); only a sum that does not, because some
    /// value is not finite or the finite values overflowed, is followed by the exact element-wise test.
    /// </summary>
    public static bool AllFinite(Tensor values)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sum = values.detach().sum().to(float64).item<double>();
        return double.IsFinite(sum) || values.detach().isfinite().all().item<bool>();
    }

    /// <summary>
    /// Describes the non-finite values of a floating-point tensor (<c>3 NaN values and 1 infinite value</c>), or
    /// returns null when every value is finite (or the tensor holds integers).
    /// </summary>
    public static string? DescribeNonFinite(Tensor values)
    {
        if (!is_floating_point(values))
        {
            return null;
        }

        using var scope = NewDisposeScope();
        var nan = values.isnan().sum().item<long>();
        var infinite = values.isinf().sum().item<long>();
        var parts = new List<string>();
        if (nan > 0)
        {
            parts.Add(nan == 1 ? "1 NaN value" : $"{nan} NaN values");
        }

        if (infinite > 0)
        {
            parts.Add(infinite == 1 ? "1 infinite value" : $"{infinite} infinite values");
        }

        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    /// <summary>Targets must be an integer <c>[N]</c> tensor with values in <c>[0, C)</c>.</summary>
    public static void CheckTargets(Tensor targets, long rows, int classes, string name)
    {
        ArgumentNullException.ThrowIfNull(targets, name);
        if (targets.IsInvalid)
        {
            throw new ArgumentException("The tensor has been disposed.", name);
        }

        if (targets.dim() != 1 || targets.shape[0] != rows)
        {
            throw new ArgumentException($"Expected [{rows}] class indices (one per input row), got shape {Shape(targets)}.", name);
        }

        if (targets.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Byte or ScalarType.Int8))
        {
            throw new ArgumentException($"Expected integer class indices, got {targets.dtype}.", name);
        }

        using var scope = NewDisposeScope();
        var lo = targets.min().to(int64).item<long>();
        var hi = targets.max().to(int64).item<long>();
        if (lo < 0 || hi >= classes)
        {
            // Only on failure: name the first row that is out of range, as the input checks do.
            var wide = targets.to(int64).cpu();
            var outside = wide.lt(0).logical_or(wide.ge(classes));
            var count = outside.sum().item<long>();
            var row = outside.nonzero().select(1, 0)[0].item<long>();
            var offending = wide[row].item<long>();
            var others = count > 1 ? $" ({count} rows are out of range)" : string.Empty;
            throw new ArgumentOutOfRangeException(name, offending, $"Class indices must lie in [0, {classes}); found {offending} at row {row}{others}.");
        }
    }

    /// <summary>A shape as <c>[a, b, c]</c>.</summary>
    public static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
