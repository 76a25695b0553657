namespace Xwp;

/// <summary>
/// Options of Average Drop, removal variant (the paper's; docs/methods.md#average-drop): the top
/// <see cref="Fraction"/> of features by attribution are set to the removal value and
/// <c>AD = mean over images of max(0, Y − O) / Y</c>, with Y the target's softmax probability on the
/// input and O on the masked input. <b>Higher is better.</b>
/// </summary>
public sealed record AverageDropOptions
{
    /// <summary>The default fraction of features removed: 0.2.</summary>
    public const double DefaultFraction = 0.2;

    /// <summary>The default smallest target probability Y an image may have to be scored: 1e-12.</summary>
    public const double DefaultMinimumTargetProbability = 1e-12;

    /// <summary>
    /// Fraction of the features removed, highest attribution first (ties: lower index first); the count
    /// is <c>round_half_up(Fraction·D)</c> (157 of 784 by default). Default <see cref="DefaultFraction"/>; in (0, 1].
    /// </summary>
    public double Fraction { get; init; } = DefaultFraction;

    /// <summary>What a removed feature becomes; default <see cref="RemovalValue.Zero"/>.</summary>
    public RemovalValue RemovalValue { get; init; } = RemovalValue.Zero;

    /// <summary>
    /// Images whose target probability Y is below this are not scored: their value is NaN, they are
    /// left out of the mean and counted in <see cref="MetricResult.Excluded"/> (the ratio is undefined
    /// at Y = 0, which float32 softmax reaches for confidently wrong targets). Default
    /// <see cref="DefaultMinimumTargetProbability"/>; in (0, 1).
    /// </summary>
    public double MinimumTargetProbability { get; init; } = DefaultMinimumTargetProbability;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!(Fraction > 0 && Fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Fraction), Fraction, "The fraction must lie in (0, 1].");
        }

        if (RemovalValue is null)
        {
            throw new ArgumentOutOfRangeException(nameof(RemovalValue), "Give a removal value (RemovalValue.Zero is the default).");
        }

        if (!(MinimumTargetProbability > 0 && MinimumTargetProbability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumTargetProbability), MinimumTargetProbability, "The minimum target probability must lie in (0, 1).");
        }
    }
}
