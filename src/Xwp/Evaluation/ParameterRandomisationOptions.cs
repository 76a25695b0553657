namespace Xwp;

/// <summary>
/// Options of the model-parameter randomisation test (Adebayo et al., 2018; docs/methods.md#model-parameter-randomisation),
/// cascading from the top layer: the trained parameters θ of the top k linear layers are replaced by fresh
/// draws from the layer's initialisation distribution, for k = 1 … L, and each map is compared with the
/// trained model's map by Spearman's |ρ|.
/// </summary>
public sealed record ParameterRandomisationOptions
{
    /// <summary>
    /// Seed of the random parameters. Layer l's draw depends only on (seed, l), so the cascade re-uses
    /// the top layers' draws as it goes down. Default 0.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>Images per batch when the method explains on a randomised model; null (default) for the method's own default.</summary>
    public int? AttributionBatchSize { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (AttributionBatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AttributionBatchSize), AttributionBatchSize, "The attribution batch size must be at least 1.");
        }
    }
}
