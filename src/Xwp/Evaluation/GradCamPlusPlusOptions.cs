namespace Xwp;

/// <summary>
/// Options of the Grad-CAM++ metrics (Chattopadhyay et al., 2018): Average Drop (Grad-CAM++ variant)
/// and Increase in Confidence. Both keep "only the explanation": the input becomes
/// <c>r + m ⊙ (x − r)</c>, with m the map scaled to [0, 1] (see <see cref="Scaling"/>) and r the
/// removal value — with r = 0, the explanation map times the input.
/// </summary>
public sealed record GradCamPlusPlusOptions
{
    /// <summary>How the map becomes a mask in [0, 1]; default <see cref="MapScaling.PositivePartOverMax"/>.</summary>
    public MapScaling Scaling { get; init; } = MapScaling.PositivePartOverMax;

    /// <summary>What a feature with mask 0 becomes; default <see cref="RemovalValue.Zero"/>.</summary>
    public RemovalValue RemovalValue { get; init; } = RemovalValue.Zero;

    /// <summary>
    /// Average Drop only: images whose target probability Y is below this are not scored (value NaN,
    /// counted in <see cref="MetricResult.Excluded"/>). Increase in Confidence scores every image.
    /// Default <see cref="AverageDropOptions.DefaultMinimumTargetProbability"/>; in (0, 1).
    /// </summary>
    public double MinimumTargetProbability { get; init; } = AverageDropOptions.DefaultMinimumTargetProbability;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Scaling))
        {
            throw new ArgumentOutOfRangeException(nameof(Scaling), Scaling, "Unknown map scaling.");
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
