using static TorchSharp.torch;

namespace Xwp.Attribution.Occlusion;

/// <summary>Feature ablation: each feature, or each group of a feature mask, set to the baseline on its own.</summary>
internal sealed class FeatureAblationAttribution : AttributionMethod
{
    private readonly long[]? _groups;
    private readonly float[]? _baseline;
    private AblationSets? _sets;

    public FeatureAblationAttribution(FeatureAblationOptions options)
    {
        Options = options;
        _groups = options.FeatureMask is null ? null : OptionTensors.Longs(options.FeatureMask);
        _baseline = options.BaselineTensor is null ? null : OptionTensors.Floats(options.BaselineTensor);
        if (_groups is not null)
        {
            _sets = AblationSets.Groups(_groups.Length, _groups);
        }
    }

    public FeatureAblationOptions Options { get; }

    public override string Name => "feature-ablation";

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        var features = batch.Model.InputSize;
        if (_groups is not null && _groups.Length != features)
        {
            throw new ArgumentOutOfRangeException(nameof(FeatureAblationOptions.FeatureMask), $"The feature mask has {_groups.Length} entries; the model takes {features} features.");
        }

        if (_baseline is not null && _baseline.Length != features)
        {
            throw new ArgumentOutOfRangeException(nameof(FeatureAblationOptions.BaselineTensor), $"The baseline has {_baseline.Length} values; the model takes {features} features.");
        }

        // Without a mask the sets depend only on D; build them once per D (the method stays immutable in effect).
        var sets = _sets;
        if (sets is null || sets.Features != features)
        {
            sets = AblationSets.Groups(features, null);
            if (_groups is null)
            {
                _sets = sets;
            }
        }

        return Ablation.Attribute(batch, sets, _baseline, Options.Baseline, Options.OutputSpace, Options.MemoryBudgetBytes);
    }
}
