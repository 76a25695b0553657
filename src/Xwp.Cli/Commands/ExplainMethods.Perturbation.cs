using System.Globalization;

namespace Xwp.Cli.Commands;

/// <summary>
/// Occlusion / feature ablation, RISE and the cheap reference maps (saliency, Input×Gradient, random,
/// input magnitude) on the command line.
/// </summary>
internal static partial class ExplainMethods
{
    private const string PerturbationUsage = """
          Occlusion:  [--image-shape 28,28] [--window 4,4] [--stride 2,2] [--baseline 0|B.npy]
                      --window 1,1 (stride 1) is feature ablation; add --feature-mask G.npy (integer group ids, as
                      for SHAP) to ablate groups of features together
          RISE:       [--masks 4000] [--grid 7] [--probability 0.5] [--seed 0] [--image-shape 28,28]
                      [--rise-masks M.npy]  (float [N, H, W] or [N, D] masks instead of random ones)
          Saliency:   [--signed] (default |∂f_t/∂x|);  Random: [--seed 0]
        """;

    /// <summary>Option names of the library and the flags that set them, to report a bad value under the flag's name.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [nameof(OcclusionOptions.ImageShape)] = "--image-shape",
        [nameof(OcclusionOptions.Window)] = "--window",
        [nameof(OcclusionOptions.Stride)] = "--stride",
        [nameof(OcclusionOptions.Baseline)] = "--baseline",
        [nameof(FeatureAblationOptions.FeatureMask)] = "--feature-mask",
        [nameof(RiseOptions.MaskCount)] = "--masks",
        [nameof(RiseOptions.GridSize)] = "--grid",
        [nameof(RiseOptions.Probability)] = "--probability",
        [nameof(RiseOptions.Masks)] = "--rise-masks",
        [nameof(KernelShapOptions.Samples)] = "--samples",
    };

    /// <summary>
    /// The flag that sets a library option named by an exception's parameter, for options that can only be
    /// checked against the inputs (e.g. a window larger than the images); null when no flag sets it.
    /// </summary>
    public static string? FlagFor(string? option) => option is not null && Flags.TryGetValue(option, out var flag) ? flag : null;

    /// <summary>The flags of these methods, all read whatever the method (those the method ignores are then refused).</summary>
    private sealed record PerturbationFlags(
        (int Height, int Width) ImageShape,
        (int Height, int Width) Window,
        (int Height, int Width)? Stride,
        string? Baseline,
        string? FeatureMask,
        int Masks,
        int Grid,
        double Probability,
        string? RiseMasks,
        long Seed,
        bool Signed)
    {
        public static PerturbationFlags Read(Arguments args) => new(
            Pair(args, "image-shape", (28, 28)),
            Pair(args, "window", (4, 4)),
            args.Optional("stride") is null ? null : Pair(args, "stride", (2, 2)),
            args.Optional("baseline"),
            args.Optional("feature-mask"),
            args.Int("masks", 4000, min: 1),
            args.Int("grid", 7, min: 1),
            args.Double("probability", 0.5, min: 0, max: 1),
            RiseMasksFile(args.Optional("rise-masks")),
            args.Long("seed", 0),
            args.Flag("signed"));
    }

    /// <summary>
    /// <c>--rise-masks</c> is a file of masks; a number there is a count meant for <c>--masks</c> (which refuses counts below 1).
    /// </summary>
    private static string? RiseMasksFile(string? text) =>
        text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !File.Exists(text)
            ? throw new UsageException($"--rise-masks takes a .npy file of masks (float [M, H, W] or [M, D]), not a number ('{text}'); for a count of random masks use --masks N (N ≥ 1).")
            : text;

    private static AttributionMethod? CreatePerturbation(string name, OutputSpace? space, PerturbationFlags flags)
    {
        var output = space ?? OutputSpace.Probabilities;
        try
        {
            return name switch
            {
                "occlusion" => Occlusion(output, flags),
                "rise" => Rise(output, flags),
                "saliency" => Attributions.Saliency(new SaliencyOptions { OutputSpace = output, Absolute = !flags.Signed }),
                "inputxgradient" => Attributions.InputXGradient(new InputXGradientOptions { OutputSpace = output }),
                "random" => Attributions.Random(new RandomOptions { Seed = flags.Seed }),
                "input-magnitude" => Attributions.InputMagnitude(),
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName is not null && Flags.TryGetValue(e.ParamName, out var flag))
        {
            throw new UsageException($"{flag}: {FailureReport.WithoutParameter(e)}");
        }
    }

    private static AttributionMethod Occlusion(OutputSpace space, PerturbationFlags flags)
    {
        var (baselineValue, baselinePath) = BaselineValueOrFile(flags.Baseline);
        // float32 whatever the file's dtype, as for SHAP and IG (an int64 file was refused here alone: "The baseline must be a floating-point tensor").
        using var read = baselinePath is null ? null : NpyFile.Read(baselinePath);
        using var baseline = read?.to(TorchSharp.torch.float32);
        if (baseline is not null)
        {
            InputFiles.CheckFinite(baseline, baselinePath!);
        }

        if (IsFeatureAblation(flags))
        {
            // A 1×1 window (at stride 1, the only stride that makes sense for it unless asked otherwise)
            // ablates every feature on its own: feature ablation, which also takes groups and needs no
            // image shape.
            return Attributions.FeatureAblation(new FeatureAblationOptions
            {
                Baseline = baseline is null ? baselineValue : baseline,
                FeatureMask = FeatureMaskFile(flags.FeatureMask),
                OutputSpace = space,
            });
        }

        if (flags.FeatureMask is not null)
        {
            throw new UsageException("--feature-mask needs --window 1,1 (and --stride 1,1): groups are ablated as wholes, not by a sliding window.");
        }

        return Attributions.Occlusion(new OcclusionOptions
        {
            ImageShape = flags.ImageShape,
            Window = flags.Window,
            Stride = flags.Stride ?? (2, 2),
            Baseline = baseline is null ? baselineValue : baseline,
            OutputSpace = space,
        });
    }

    /// <summary>A 1×1 window at stride 1 (the only stride that makes sense for it unless asked otherwise): feature ablation.</summary>
    private static bool IsFeatureAblation(PerturbationFlags flags) => flags.Window == (1, 1) && (flags.Stride ?? (1, 1)) == (1, 1);

    private static AttributionMethod Rise(OutputSpace space, PerturbationFlags flags)
    {
        using var masks = flags.RiseMasks is null ? null : NpyFile.Read(flags.RiseMasks);
        if (masks is not null)
        {
            InputFiles.CheckFinite(masks, flags.RiseMasks!);
        }

        return Attributions.Rise(new RiseOptions
        {
            MaskCount = flags.Masks,
            GridSize = flags.Grid,
            Probability = flags.Probability,
            ImageShape = flags.ImageShape,
            Seed = flags.Seed,
            Masks = masks,
            OutputSpace = space,
        });
    }

    /// <summary><c>--baseline</c> is a number, or a <c>.npy</c> file of D values.</summary>
    private static (double Value, string? Path) BaselineValueOrFile(string? text)
    {
        if (text is null)
        {
            return (0, null);
        }

        if (text.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            return (0, text);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? (value, null)
            : throw new UsageException($"--baseline must be a number or a .npy file of one value per feature, not '{text}'.");
    }
}
