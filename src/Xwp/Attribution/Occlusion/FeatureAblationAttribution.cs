using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace Xwp.Attribution.Occlusion;

/// <summary>Feature ablation: each feature, or each group of a feature mask, set to the baseline on its own.</summary>
internal sealed class FeatureAblationAttribution(FeatureAblationOptions options) : AttributionMethod
{
    private readonly ConcurrentDictionary<string, AblationSets> _sets = new();

    public FeatureAblationOptions Options { get; } = options;

    public override string Name => "feature-ablation";

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        var one = batch.Inputs.shape.Skip(1).ToArray();
        var sets = _sets.GetOrAdd(string.Join(',', one), _ =>
        {
            var features = checked((int)batch.Features);
            if (Options.FeatureMask is null)
            {
                return AblationSets.Groups(features, null);
            }

            var (groupOfFeature, _) = Options.FeatureMask.Resolve(one, nameof(FeatureAblationOptions.FeatureMask));
            return AblationSets.Groups(features, groupOfFeature);
        });
        return Ablation.Attribute(batch, sets, Options.Baseline, Options.OutputSpace, Options.MemoryBudgetBytes);
    }
}
