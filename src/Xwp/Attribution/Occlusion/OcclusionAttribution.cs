using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace Xwp.Attribution.Occlusion;

/// <summary>Occlusion: the mean output drop of the windows that cover each pixel.</summary>
internal sealed class OcclusionAttribution : AttributionMethod
{
    private readonly ConcurrentDictionary<string, AblationSets> _windows = new();

    public OcclusionAttribution(OcclusionOptions options)
    {
        Options = options;
    }

    public OcclusionOptions Options { get; }

    public override string Name => "occlusion";

    internal override Tensor AttributeBatch(AttributionBatch batch) =>
        Ablation.Attribute(batch, WindowsFor(batch.Inputs.shape), Options.Baseline, Options.OutputSpace, Options.MemoryBudgetBytes);

    /// <summary>
    /// The windows for inputs of this shape: over the <see cref="OcclusionOptions.ImageShape"/> view of rows
    /// <c>[N, D]</c>, else over the last two dimensions with the leading ones (channels) occluded whole.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The image view or the window does not fit the inputs; the parameter names the option.</exception>
    private AblationSets WindowsFor(long[] inputShape)
    {
        var one = inputShape.Skip(1).ToArray();
        return _windows.GetOrAdd(string.Join(',', one), _ =>
        {
            if (one.Length == 1)
            {
                var pixels = (long)Options.ImageShape.Height * Options.ImageShape.Width;
                if (pixels != one[0])
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(OcclusionOptions.ImageShape),
                        $"The image shape {Options.ImageShape.Height}×{Options.ImageShape.Width} has {pixels} pixels; the model takes {one[0]} features.");
                }

                CheckWindow(Options.ImageShape.Height, Options.ImageShape.Width);
                return AblationSets.Windows(Options.ImageShape, Options.Window, Options.Stride);
            }

            var (height, width) = (checked((int)one[^2]), checked((int)one[^1]));
            CheckWindow(height, width);

            var planes = checked((int)one.SkipLast(2).Aggregate(1L, (a, b) => a * b));
            return AblationSets.Windows(planes, (height, width), Options.Window, Options.Stride);
        });
    }

    private void CheckWindow(int height, int width)
    {
        if (Options.Window.Height > height || Options.Window.Width > width)
        {
            throw new ArgumentOutOfRangeException(
                nameof(OcclusionOptions.Window),
                $"The {Options.Window.Height}×{Options.Window.Width} window does not fit in the {height}×{width} image.");
        }
    }
}
