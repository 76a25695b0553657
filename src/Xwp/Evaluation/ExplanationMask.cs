using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// "Keep only the explanation", as the Grad-CAM++ metrics do: the map is scaled to a mask m in
/// [0, 1] per image and the input becomes <c>r + m ⊙ (x − r)</c> (with r = 0: <c>m ⊙ x</c>).
/// </summary>
internal static class ExplanationMask
{
    /// <summary>The mask <c>[B, D]</c> in [0, 1].</summary>
    public static Tensor Scale(Tensor maps, MapScaling scaling)
    {
        if (scaling == MapScaling.PositivePartOverMax)
        {
            var positive = maps.clamp_min(0);
            var top = positive.amax([1], keepdim: true);
            return positive.div(top.clamp_min(float.Epsilon)).masked_fill_(top.eq(0), 0);
        }

        var low = maps.amin([1], keepdim: true);
        var range = maps.amax([1], keepdim: true).sub(low);
        return maps.sub(low).div_(range.clamp_min(float.Epsilon)).masked_fill_(range.eq(0), 0);
    }

    /// <summary>The inputs with only the explanation kept.</summary>
    public static Tensor Apply(Tensor inputs, Tensor maps, GradCamPlusPlusOptions options)
    {
        var r = options.RemovalValue.For(inputs);
        return inputs.sub(r).mul_(Scale(maps, options.Scaling)).add_(r);
    }

    /// <summary>The settings both Grad-CAM++ metrics report.</summary>
    public static IReadOnlyDictionary<string, string> Describe(GradCamPlusPlusOptions options, bool averageDrop)
    {
        var settings = new Dictionary<string, string>
        {
            ["scaling"] = options.Scaling == MapScaling.PositivePartOverMax ? "max(a, 0) / max" : "min-max",
            ["removal_value"] = options.RemovalValue.ToString(),
            ["kept_input"] = "r + m * (x - r)",
        };
        if (averageDrop)
        {
            settings["minimum_target_probability"] = options.MinimumTargetProbability.ToString("R", CultureInfo.InvariantCulture);
        }

        return settings;
    }
}
