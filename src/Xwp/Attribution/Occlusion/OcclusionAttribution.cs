using static TorchSharp.torch;

namespace Xwp.Attribution.Occlusion;

/// <summary>Occlusion: the mean output drop of the windows that cover each pixel.</summary>
internal sealed class OcclusionAttribution : AttributionMethod
{
    private readonly AblationSets _windows;
    private readonly float[]? _baseline;

    public OcclusionAttribution(OcclusionOptions options)
    {
        Options = options;
        _windows = AblationSets.Windows(options.ImageShape, options.Window, options.Stride);
        _baseline = options.BaselineTensor is null ? null : OptionTensors.Floats(options.BaselineTensor);
    }

    public OcclusionOptions Options { get; }

    public override string Name => "occlusion";

    internal override Tensor AttributeBatch(AttributionBatch batch)
    {
        if (batch.Model.InputSize != _windows.Features)
        {
            throw new ArgumentOutOfRangeException(
                nameof(OcclusionOptions.ImageShape),
                $"The image shape {Options.ImageShape.Height}×{Options.ImageShape.Width} has {_windows.Features} pixels; the model takes {batch.Model.InputSize} features.");
        }

        return Ablation.Attribute(batch, _windows, _baseline, Options.Baseline, Options.OutputSpace, Options.MemoryBudgetBytes);
    }
}
