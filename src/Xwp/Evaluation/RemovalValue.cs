using System.Globalization;
using Xwp.Evaluation;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// What a feature becomes when a metric removes it: one value for every feature (0 by default —
/// black, the background of Fashion-MNIST and TMNIST), one value per feature (e.g. a mean image), or
/// a value made from each image itself (its mean, a blurred copy, seeded noise; see
/// <see cref="ImageMean"/>, <see cref="GaussianBlur"/>, <see cref="UniformNoise"/>).
/// Immutable; the values are copied when it is created.
/// </summary>
public sealed partial class RemovalValue
{
    private readonly float[]? _perFeature;
    private readonly PerImageRemoval? _perImage;

    private RemovalValue(double scalar, float[]? perFeature, PerImageRemoval? perImage = null)
    {
        Scalar = perFeature is null && perImage is null ? scalar : null;
        _perFeature = perFeature;
        _perImage = perImage;
    }

    /// <summary>Every removed feature becomes 0 (the default of every metric).</summary>
    public static RemovalValue Zero { get; } = new(0, null);

    /// <summary>The value given to every removed feature; null when the value is per feature or per image.</summary>
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
        _perImage?.Check(features, optionName);
        if (_perFeature is not null && _perFeature.Length != features)
        {
            throw new ArgumentException(
                $"The per-feature removal value has {_perFeature.Length} values; the model takes {features} features.", optionName);
        }
    }

    /// <summary>
    /// The removal value for a batch of float32 <paramref name="inputs"/> <c>[B, D]</c>: <c>[D]</c> when it is the same for
    /// every image, <c>[B, D]</c> when it is made from each image; float32 on the inputs' device, in the caller's dispose scope.
    /// </summary>
    internal Tensor For(Tensor inputs) =>
        _perImage is null ? ToTensor((int)inputs.shape[1], inputs.device) : _perImage.Values(inputs);

    /// <summary>The removal value as float32 <c>[D]</c> on <paramref name="device"/>, in the caller's dispose scope; not for per-image values.</summary>
    internal Tensor ToTensor(int features, Device device) =>
        _perImage is not null
            ? throw new InvalidOperationException($"The removal value '{this}' is made from each image; use For(inputs).")
            : _perFeature is null
            ? full(features, Scalar!.Value, dtype: float32, device: device)
            : tensor(_perFeature, float32).to(device);

    /// <summary>The value as reports print it: the number, <c>per-feature [D]</c>, or the per-image rule (e.g. <c>image-mean</c>).</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        _perImage is not null
            ? _perImage.ToString()
            : _perFeature is null
            ? Scalar!.Value.ToString("R", CultureInfo.InvariantCulture)
            : $"per-feature [{_perFeature.Length}]";
}
