using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Options of Max-Sensitivity (Yeh et al., 2019; docs/methods.md#max-sensitivity), computed as Captum's
/// <c>sensitivity_max</c>: <see cref="Samples"/> perturbations δ drawn uniformly from the L∞ ball of radius
/// <see cref="Radius"/>, and the value <c>max_δ ‖Φ(x + δ) − Φ(x)‖₂</c>, divided by <c>‖Φ(x)‖₂</c> when
/// <see cref="Relative"/> (Captum's form; a zero norm divides by 1). <b>Lower is more stable.</b>
/// </summary>
public sealed record MaxSensitivityOptions
{
    /// <summary>The default radius of the L∞ ball: 0.02 (Captum's <c>perturb_radius</c>).</summary>
    public const double DefaultRadius = 0.02;

    /// <summary>The largest <see cref="Radius"/>: half of float32's largest value, so that the noise's width 2·radius is a float32.</summary>
    public const double MaxRadius = float.MaxValue / 2.0;

    /// <summary>The default number of perturbations per input: 10 (Captum's <c>n_perturb_samples</c>).</summary>
    public const int DefaultSamples = 10;

    /// <summary>Half-width of the uniform noise added to every feature, in input units. Default <see cref="DefaultRadius"/>; &gt; 0 and at most <see cref="MaxRadius"/>.</summary>
    public double Radius { get; init; } = DefaultRadius;

    /// <summary>Perturbations per input; the value is the largest change over them. Default <see cref="DefaultSamples"/>; at least 1.</summary>
    public int Samples { get; init; } = DefaultSamples;

    /// <summary>
    /// Seed of the noise. Input i of a run draws from a generator derived from (seed, i), so values do not
    /// depend on the batch size. Default 0.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>
    /// True (default, as Captum's <c>sensitivity_max</c>): divide by <c>‖Φ(x)‖₂</c>, so methods on different
    /// scales compare. False: the absolute change <c>max_δ ‖Φ(x + δ) − Φ(x)‖₂</c>, in attribution units.
    /// </summary>
    public bool Relative { get; init; } = true;

    /// <summary>
    /// Perturbations to use instead of drawing them: δ of shape <c>[N, S, …]</c> — N the inputs scored, S
    /// the samples, then one input's shape — float. Overrides <see cref="Radius"/>, <see cref="Samples"/>
    /// and <see cref="Seed"/>; lets values be checked against another implementation exactly. The tensor
    /// stays yours. Null (default) to draw.
    /// </summary>
    public Tensor? Perturbations { get; init; }

    /// <summary>Images per batch when the method explains the perturbed inputs; null (default) for the method's own default.</summary>
    public int? AttributionBatchSize { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        // The noise is drawn in float32 over [−r, r]: libtorch's uniform_ refuses a width 2r beyond float32's range
        // ("from is out of bounds for float", "to-from to exceed the limit").
        if (!(Radius > 0 && Radius <= MaxRadius))
        {
            throw new ArgumentOutOfRangeException(nameof(Radius), Radius, "The radius must be greater than 0 and at most 1.7e38 (the float32 noise spans 2·radius).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Samples, 1, nameof(Samples));
        if (AttributionBatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AttributionBatchSize), AttributionBatchSize, "The attribution batch size must be at least 1.");
        }

        if (Perturbations is not null && (Perturbations.IsInvalid || Perturbations.dim() < 3 || !is_floating_point(Perturbations)))
        {
            throw new ArgumentOutOfRangeException(nameof(Perturbations), "Perturbations must be a floating-point tensor [N, S, …] (inputs, samples, then one input's shape).");
        }
    }
}
