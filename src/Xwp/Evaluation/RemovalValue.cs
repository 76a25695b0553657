using System.Globalization;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// What a feature becomes when a metric removes it: one value for every feature (0 by default —
/// black, the background of Fashion-MNIST and TMNIST), or one value per feature (e.g. a mean image).
/// Immutable; the values are copied when it is created.
/// </summary>
public sealed class RemovalValue
{
    private readonly float[]? _perFeature;

    private RemovalValue(double scalar, float[]? perFeature)
    {
        Scalar = perFeature is null ? scalar : null;
        _perFeature = perFeature;
    }

    /// <summary>Every removed feature becomes 0 (the default of every metric).</summary>
    public static RemovalValue Zero { get; } = new(0, null);

    /// <summary>The value given to every removed feature; null when the value is per feature.</summary>
    public double? Scalar { get; }

    /// <summary>One value per feature, <c>[D]</c>; null when one value serves every feature.</summary>
    public IReadOnlyList<float>? PerFeatureValues => _perFeature;

    /// <summary>Every removed feature becomes <paramref name="value"/>.</summary>
    /// <param name="value">A finite number.</param>
    /// <returns>The removal value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static RemovalValue Of(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The removal value must be finite.");
        }

        return value == 0 && !double.IsNegative(value) ? Zero : new RemovalValue(value, null);
    }

    /// <summary>Removed feature i becomes <c>values[i]</c>; the list must have one value per input feature.</summary>
    /// <param name="values">D finite values.</param>
    /// <returns>The removal value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds NaN or an infinity.</exception>
    public static RemovalValue PerFeature(IReadOnlyList<float> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var copy = values.ToArray();
        if (copy.Length == 0)
        {
            throw new ArgumentException("Give at least one value.", nameof(values));
        }

        var bad = Array.FindIndex(copy, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            throw new ArgumentException($"Removal values must be finite; feature {bad} is {copy[bad]}.", nameof(values));
        }

        return new RemovalValue(0, copy);
    }

    /// <summary>Removed feature i becomes <c>values[i]</c>, read from a tensor <c>[D]</c> (copied; the tensor stays the caller's).</summary>
    /// <param name="values">A floating-point tensor <c>[D]</c> of finite values.</param>
    /// <returns>The removal value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">The tensor is not one-dimensional, not floating point, or holds NaN or an infinity.</exception>
    public static RemovalValue PerFeature(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() != 1 || !is_floating_point(values))
        {
            throw new ArgumentException($"Expected a floating-point [D] tensor, got {values.dtype} {InputValidation.Shape(values)}.", nameof(values));
        }

        using var cpu = values.detach().to(float32).cpu().contiguous();
        return PerFeature((IReadOnlyList<float>)cpu.data<float>().ToArray());
    }

    /// <summary>Checks that the value fits inputs with <paramref name="features"/> features.</summary>
    internal void Check(int features, string optionName)
    {
        if (_perFeature is not null && _perFeature.Length != features)
        {
            throw new ArgumentException(
                $"The per-feature removal value has {_perFeature.Length} values; the model takes {features} features.", optionName);
        }
    }

    /// <summary>The removal value as float32 <c>[D]</c> on <paramref name="device"/>, in the caller's dispose scope.</summary>
    internal Tensor ToTensor(int features, Device device) =>
        _perFeature is null
            ? full(features, Scalar!.Value, dtype: float32, device: device)
            : tensor(_perFeature, float32).to(device);

    /// <summary>The value as reports print it: the number, or <c>per-feature [D]</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        _perFeature is null
            ? Scalar!.Value.ToString("R", CultureInfo.InvariantCulture)
            : $"per-feature [{_perFeature.Length}]";
}
