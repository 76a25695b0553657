using System.Globalization;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// The reference input x′ of every method that compares an input with a baseline (Occlusion, feature
/// ablation, KernelSHAP, Shapley value sampling, Integrated Gradients), with Captum's meaning of
/// <c>baselines</c>: a scalar for every feature, one tensor broadcast to every input (per feature), or one
/// row per input. Immutable: tensor values are copied when it is created, so the tensor stays the caller's.
/// </summary>
/// <remarks>
/// A tensor's shape decides its meaning against inputs <c>[N, …]</c> with per-input shape S: rank 0 is a
/// constant; a shape that broadcasts to S (or <c>[1, …]</c> that broadcasts to <c>[1, S]</c>) is one baseline for
/// every input; <c>[N, …]</c> is one baseline per input of the whole run, row r for input r. A tensor with as
/// many elements as one input (e.g. <c>[784]</c> for inputs <c>[N, 1, 28, 28]</c>) is read in row-major order.
/// Both <c>double</c> and <c>Tensor</c> convert implicitly, so <c>Baseline = 0.5</c> and <c>Baseline = meanImage</c> work.
/// </remarks>
public sealed class Baselines
{
    private readonly float[]? _values;
    private readonly long[]? _shape;

    private Baselines(double scalar, float[]? values, long[]? shape)
    {
        Scalar = values is null ? scalar : null;
        _values = values;
        _shape = shape;
    }

    /// <summary>All zeros (the default of every method: black, the background of Fashion-MNIST and TMNIST).</summary>
    public static Baselines Zero { get; } = new(0, null, null);

    /// <summary>The constant every feature takes; null when the baseline is a tensor.</summary>
    public double? Scalar { get; }

    /// <summary>The tensor's shape; null for a constant.</summary>
    public IReadOnlyList<long>? Shape => _shape;

    /// <summary>Every feature's baseline is <paramref name="value"/>.</summary>
    /// <param name="value">A finite number.</param>
    /// <returns>The baseline.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static Baselines Constant(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The baseline must be finite.");
        }

        return value == 0 && !double.IsNegative(value) ? Zero : new Baselines(value, null, null);
    }

    /// <summary>A baseline read from a tensor (copied; see the remarks for how its shape is read).</summary>
    /// <param name="values">A finite floating-point tensor; a scalar tensor gives a constant.</param>
    /// <returns>The baseline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">The tensor is disposed, not floating point, or holds NaN or an infinity.</exception>
    public static Baselines FromTensor(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.IsInvalid)
        {
            throw new ArgumentException("The baseline tensor has been disposed.", nameof(values));
        }

        if (!is_floating_point(values))
        {
            throw new ArgumentException($"The baseline must be a floating-point tensor, got {values.dtype}.", nameof(values));
        }

        using var scope = NewDisposeScope();
        var cpu = values.detach().to(float32).cpu().contiguous();
        if (!InputValidation.AllFinite(cpu))
        {
            throw new ArgumentException("The baseline must be finite (no NaN or infinity).", nameof(values));
        }

        return cpu.dim() == 0 ? Constant(cpu.item<float>()) : new Baselines(0, cpu.data<float>().ToArray(), cpu.shape);
    }

    /// <summary>A constant baseline.</summary>
    /// <param name="value">A finite number.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static implicit operator Baselines(double value) => Constant(value);

    /// <summary>A baseline read from a tensor (copied); a null tensor means <see cref="Zero"/>.</summary>
    /// <param name="values">The tensor, or null.</param>
    /// <exception cref="ArgumentException">See <see cref="FromTensor"/>.</exception>
    public static implicit operator Baselines(Tensor? values) => values is null ? Zero : FromTensor(values);

    /// <summary>
    /// The baselines <c>[B, …]</c> (float32, on the inputs' device, the inputs' shape) of the rows
    /// <c>offset … offset + B − 1</c> of a run; <paramref name="inputs"/> is that batch.
    /// </summary>
    /// <exception cref="ArgumentException">The baseline's shape fits neither one input nor every input; the message names <paramref name="optionName"/>.</exception>
    internal Tensor ForBatch(Tensor inputs, long offset, string optionName)
    {
        if (_values is null)
        {
            return full_like(inputs, Scalar!.Value, dtype: float32);
        }

        var shape = inputs.shape;
        var rows = shape[0];
        var one = shape.Skip(1).ToArray();
        var features = one.Aggregate(1L, (a, b) => a * b);
        var b = tensor(_values, _shape!, float32).to(inputs.device);
        if (_shape!.Length == one.Length + 1 && _shape[0] != 1 && Broadcasts(_shape.Skip(1).ToArray(), one))
        {
            if (_shape[0] < offset + rows)
            {
                throw new ArgumentException(
                    $"{optionName} has {_shape[0]} rows; a per-input baseline needs one row per input (row {offset + rows - 1} was asked for).", optionName);
            }

            return b.narrow(0, offset, rows).expand(shape).contiguous();
        }

        if (_shape.Length <= one.Length + 1 && Broadcasts(_shape, [1, .. one]))
        {
            return b.expand(one.Length + 1 == _shape.Length ? shape : one).expand(shape).contiguous();
        }

        if (_values.Length == features)
        {
            return b.reshape([1, .. one]).expand(shape).contiguous();
        }

        throw new ArgumentException(
            $"{optionName} has shape [{string.Join(", ", _shape)}]; inputs [N, {string.Join(", ", one)}] take a scalar, a baseline that broadcasts to [{string.Join(", ", one)}], or one baseline per input [N, {string.Join(", ", one)}].",
            optionName);
    }

    /// <summary>The baseline as reports print it: the number, or the tensor's shape.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        _shape is null ? Scalar!.Value.ToString("R", CultureInfo.InvariantCulture) : $"tensor [{string.Join(", ", _shape)}]";

    /// <summary>Whether <paramref name="from"/> broadcasts to <paramref name="to"/> (trailing dimensions aligned, 1 stretches).</summary>
    internal static bool Broadcasts(IReadOnlyList<long> from, IReadOnlyList<long> to)
    {
        if (from.Count > to.Count)
        {
            return false;
        }

        for (var i = 1; i <= from.Count; i++)
        {
            var f = from[^i];
            if (f != 1 && f != to[^i])
            {
                return false;
            }
        }

        return true;
    }
}
