using System.Globalization;
using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// The methods `xwp explain --method` knows, and the flags that configure them. A flag the chosen method
/// would not read is refused (<see cref="RejectIgnored"/>): a setting that silently changes nothing is a
/// mistake on the command line.
/// </summary>
internal static partial class ExplainMethods
{
    /// <summary>Method names, as `--method` takes them.</summary>
    public static readonly IReadOnlyList<string> Names = ["xwp", "xwpc", "occlusion", "kernelshap", "svs", "rise", "ig", "lrp", "saliency", "inputxgradient", "random", "input-magnitude"];

    /// <summary>Extra usage text for the method flags.</summary>
    public const string Usage = """
          XWP/XWP^c:  [--xwpc-sign by-itself|literal] [--algorithm rank1|rowswap]
          SHAP:       [--baseline 0|B.npy] [--samples N] [--superpixel K] [--image-shape 28,28] [--seed S]
                      [--feature-mask G.npy]  (integer group ids, one per feature or broadcastable to one input:
                      features with the same id are one player; instead of --superpixel)
                      kernelshap: --samples = coalitions (default 2M + 2048 for M players)
                      svs:        --samples = permutations (default 25) [--antithetic]
          IG:         [--baseline 0|B.npy] [--steps 50]
                      [--ig-rule gauss-legendre|riemann-left|riemann-right|riemann-middle|riemann-trapezoid]
          LRP:        [--lrp-rule epsilon|zplus|alpha2beta1|alpha1beta0] [--epsilon 1e-9]
                      (always starts from the target's logit; it takes no --output-space)
          --baseline takes a number (every feature) or a .npy file ([D], or [N, D] one per input row).

        """ + PerturbationUsage;

    private static readonly Dictionary<string, IntegrationRule> IgRules = new()
    {
        ["gauss-legendre"] = IntegrationRule.GaussLegendre,
        ["riemann-left"] = IntegrationRule.RiemannLeft,
        ["riemann-right"] = IntegrationRule.RiemannRight,
        ["riemann-middle"] = IntegrationRule.RiemannMiddle,
        ["riemann-trapezoid"] = IntegrationRule.RiemannTrapezoid,
    };

    private static readonly Dictionary<string, LrpRule> LrpRules = new()
    {
        ["epsilon"] = LrpRule.Epsilon,
        ["zplus"] = LrpRule.ZPlus,
        ["alpha2beta1"] = LrpRule.Alpha2Beta1,
        ["alpha1beta0"] = LrpRule.Alpha1Beta0,
    };

    /// <summary>Every method flag (and --output-space) with the methods that read it, in <see cref="Names"/> order.</summary>
    private static readonly (string Flag, string[] Methods)[] MethodFlags =
    [
        ("output-space", ["xwp", "xwpc", "occlusion", "kernelshap", "svs", "rise", "ig", "saliency", "inputxgradient"]),
        ("xwpc-sign", ["xwpc"]),
        ("algorithm", ["xwp", "xwpc"]),
        ("baseline", ["occlusion", "kernelshap", "svs", "ig"]),
        ("samples", ["kernelshap", "svs"]),
        ("superpixel", ["kernelshap", "svs"]),
        ("image-shape", ["occlusion", "kernelshap", "svs", "rise"]),
        ("seed", ["kernelshap", "svs", "rise", "random"]),
        ("antithetic", ["svs"]),
        ("steps", ["ig"]),
        ("ig-rule", ["ig"]),
        ("lrp-rule", ["lrp"]),
        ("epsilon", ["lrp"]),
        ("window", ["occlusion"]),
        ("stride", ["occlusion"]),
        ("feature-mask", ["occlusion", "kernelshap", "svs"]),
        ("masks", ["rise"]),
        ("grid", ["rise"]),
        ("probability", ["rise"]),
        ("rise-masks", ["rise"]),
        ("signed", ["saliency"]),
    ];

    /// <summary>
    /// Refuses a method flag that <paramref name="name"/> would not read, naming the flag, the method and the
    /// methods that do read it; unknown method names are left to <see cref="Create"/>.
    /// </summary>
    /// <exception cref="UsageException">A flag on the command line is one the method ignores.</exception>
    private static void RejectIgnored(string name, Arguments args)
    {
        if (!Names.Contains(name))
        {
            return;
        }

        foreach (var (flag, methods) in MethodFlags)
        {
            if (args.Given(flag) && !methods.Contains(name))
            {
                var why = (flag, name) switch
                {
                    ("output-space", "lrp") => " (LRP always starts from the target's logit)",
                    ("output-space", _) => $" ({name} does not read the model's outputs)",
                    _ => string.Empty,
                };
                throw new UsageException($"--{flag} applies only to --method {string.Join(", ", methods)}, not to {name}{why}; leave it out.");
            }
        }
    }

    /// <summary>
    /// Refuses a method flag given without <c>--method</c> (evaluate re-runs a method only for the metrics that need
    /// one), naming the methods that read it; --output-space is left to the caller, which reads it.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="readers">The metrics that re-run --method, for the message.</param>
    /// <exception cref="UsageException">A method flag is on the command line.</exception>
    public static void RejectWithoutMethod(Arguments args, IReadOnlyList<string> readers)
    {
        foreach (var (flag, methods) in MethodFlags)
        {
            if (flag != "output-space" && args.Given(flag))
            {
                var which = methods.Length == 1 ? $"--method {methods[0]}" : $"--method {string.Join(", ", methods)}";
                throw new UsageException(
                    $"--{flag} configures {which}, and --method is missing (it is read only by --metrics {string.Join(" and ", readers)}, which re-run the method); add --method {methods[0]} or leave --{flag} out.");
            }
        }
    }

    /// <summary>
    /// The flags a method reads only in some of its forms: SHAP's --image-shape is the superpixel grid's image,
    /// occlusion's is the sliding window's (feature ablation, --window 1,1, needs none), and RISE's --masks,
    /// --grid, --image-shape and --seed draw random masks, which --rise-masks replaces.
    /// </summary>
    /// <exception cref="UsageException">A flag on the command line is one this form of the method ignores.</exception>
    private static void RejectIgnoredInForm(string name, Arguments args, int superpixel, PerturbationFlags flags)
    {
        if (name is "kernelshap" or "svs" && superpixel == 1 && args.Given("image-shape"))
        {
            throw new UsageException($"--image-shape applies to {name} only with --superpixel K > 1 (the image its K×K superpixels tile); without it every feature is a player. Add --superpixel or leave --image-shape out.");
        }

        if (name == "occlusion" && IsFeatureAblation(flags) && args.Given("image-shape"))
        {
            throw new UsageException("--image-shape does not apply to occlusion with --window 1,1 (feature ablation removes features one by one, or in --feature-mask groups); leave it out.");
        }

        if (name == "rise" && flags.RiseMasks is not null)
        {
            foreach (var flag in new[] { "masks", "grid", "image-shape", "seed" })
            {
                if (args.Given(flag))
                {
                    throw new UsageException($"--{flag} does not apply to rise with --rise-masks: it shapes the random masks, and --rise-masks gives the masks. Leave one of them out.");
                }
            }
        }
    }

    /// <summary>Reads the method flags and builds the method named by <paramref name="name"/>.</summary>
    public static AttributionMethod Create(string name, OutputSpace? space, Arguments args)
    {
        var sign = args.Choice("xwpc-sign", ComplementSign.ByItself, new Dictionary<string, ComplementSign>
        {
            ["by-itself"] = ComplementSign.ByItself,
            ["literal"] = ComplementSign.Literal,
        });
        var algorithm = args.Choice("algorithm", XwpAlgorithm.Rank1, new Dictionary<string, XwpAlgorithm>
        {
            ["rank1"] = XwpAlgorithm.Rank1,
            ["rowswap"] = XwpAlgorithm.RowSwap,
        });
        var baselineText = args.Optional("baseline");
        int? samples = args.Optional("samples") is null ? null : args.Int("samples", 0, min: 1);
        var superpixel = args.Int("superpixel", 1, min: 1);
        var imageShape = Pair(args, "image-shape", (28, 28));
        var seed = args.Long("seed", 0);
        var antithetic = args.Flag("antithetic");
        var steps = args.Int("steps", 50, min: 1);
        var igRule = args.Choice("ig-rule", IntegrationRule.GaussLegendre, IgRules);
        var lrpRule = args.Choice("lrp-rule", LrpRule.Epsilon, LrpRules);
        var epsilon = args.Double("epsilon", LrpOptions.DefaultEpsilon, min: 0);
        var outputs = space ?? OutputSpace.Probabilities;

        var perturbation = PerturbationFlags.Read(args);
        RejectIgnored(name, args);
        RejectIgnoredInForm(name, args, superpixel, perturbation);
        if (name is "kernelshap" or "svs" && perturbation.FeatureMask is not null && superpixel > 1)
        {
            throw new UsageException($"--feature-mask and --superpixel both choose {name}'s players (groups of features); give one of them.");
        }
        if (CreatePerturbation(name, space, perturbation) is { } method)
        {
            return method;
        }

        try
        {
            return name switch
            {
                "xwp" => Attributions.Xwp(new XwpOptions { OutputSpace = outputs, Algorithm = algorithm }),
                "xwpc" => Attributions.XwpComplement(new XwpComplementOptions { OutputSpace = outputs, Algorithm = algorithm, Sign = sign }),
                "kernelshap" => Attributions.KernelShap(new KernelShapOptions
                {
                    Samples = samples,
                    Baseline = Baseline(baselineText),
                    FeatureMask = FeatureMaskFile(perturbation.FeatureMask) ?? Superpixels(imageShape, superpixel),
                    OutputSpace = outputs,
                    Seed = seed,
                }),
                "svs" => Attributions.ShapleyValueSampling(new ShapleyValueSamplingOptions
                {
                    Samples = samples ?? 25,
                    Antithetic = antithetic,
                    Baseline = Baseline(baselineText),
                    FeatureMask = FeatureMaskFile(perturbation.FeatureMask) ?? Superpixels(imageShape, superpixel),
                    OutputSpace = outputs,
                    Seed = seed,
                }),
                "ig" => Attributions.IntegratedGradients(new IntegratedGradientsOptions
                {
                    Baseline = Baseline(baselineText),
                    Steps = steps,
                    Rule = igRule,
                    OutputSpace = outputs,
                }),
                "lrp" => Attributions.Lrp(new LrpOptions { Rule = lrpRule, Epsilon = epsilon }),
                _ => throw new UsageException($"--method must be one of {string.Join(", ", Names)}, not '{name}'."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The option the library names (e.g. Epsilon) is set by a flag of the same name in kebab case.
            var flag = e.ParamName is { Length: > 0 } p && args.Optional(KebabCase(p)) is not null ? $" --{KebabCase(p)}" : string.Empty;
            throw new UsageException($"{name}{flag}: {FailureReport.WithoutParameter(e)}");
        }
    }

    /// <summary>A library option name as its flag: <c>ImageShape</c> → <c>image-shape</c>.</summary>
    private static string KebabCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>`--superpixel K` on the `--image-shape` view: a mask of K×K blocks, or null for single features.</summary>
    private static FeatureMask? Superpixels((int Height, int Width) imageShape, int superpixel) =>
        superpixel == 1 ? null : FeatureMask.Superpixels(imageShape.Height, imageShape.Width, superpixel);

    /// <summary>
    /// <c>--feature-mask G.npy</c>: integer group ids (int64, int32 or uint8, the integer types .npy files are read as), as <see cref="FeatureMask"/>
    /// takes them: one id per feature of one input, or a shape that broadcasts to one input (checked against the
    /// inputs when the method runs). Ids need not be contiguous; groups are ordered by id.
    /// </summary>
    /// <param name="path">The file, or null (no mask).</param>
    /// <returns>The mask, or null.</returns>
    /// <exception cref="InvalidDataException">The file is not a readable .npy file, holds no values, or holds values that are not integers; the message names the file.</exception>
    internal static FeatureMask? FeatureMaskFile(string? path)
    {
        if (path is null)
        {
            return null;
        }

        using var ids = NpyFile.Read(path);
        if (ids.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Byte))
        {
            throw new InvalidDataException(
                $"--feature-mask '{path}' holds {ids.dtype.ToString().ToLowerInvariant()} values [{string.Join(", ", ids.shape)}]; it needs integer group ids (int64, int32 or uint8, e.g. np.save(path, ids.astype(np.int64))).");
        }

        return ids.numel() == 0
            ? throw new InvalidDataException($"--feature-mask '{path}' is empty ([{string.Join(", ", ids.shape)}]); it needs one group id per feature.")
            : FeatureMask.FromTensor(ids);
    }

    /// <summary>
    /// The library's refusal of a feature mask that does not fit the inputs ("FeatureMask has shape …"), with the
    /// option and the file in place of the library's option name; null for any other exception.
    /// </summary>
    public static InvalidDataException? FeatureMaskMismatch(ArgumentException e, Arguments args)
    {
        const string Option = nameof(KernelShapOptions.FeatureMask);
        if (e.ParamName != Option)
        {
            return null;
        }

        var text = FailureReport.WithoutParameter(e);
        if (args.Optional("feature-mask") is not { } path)
        {
            // The mask came from --superpixel K over --image-shape (default 28,28): name those, not --feature-mask.
            if (args.Optional("superpixel") is not { } superpixel)
            {
                return null;
            }

            var shape = args.Optional("image-shape") ?? "28,28";
            var rest = text.StartsWith(Option, StringComparison.Ordinal) ? text[Option.Length..] : $": {text}";
            return new InvalidDataException(
                $"--superpixel {superpixel} tiles an --image-shape {shape} image{(args.Given("image-shape") ? "" : " (the default)")}, so its mask{rest} " +
                "Pass the inputs' --image-shape H,W, or group the features with --feature-mask G.npy.",
                e);
        }

        return new InvalidDataException(
            text.StartsWith(Option, StringComparison.Ordinal) ? $"--feature-mask '{path}'{text[Option.Length..]}" : $"--feature-mask '{path}': {text}", e);
    }

    /// <summary>`--baseline`: a number for every feature (0 = the default, no tensor), or a .npy file.</summary>
    private static Tensor? Baseline(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return !double.IsFinite(value) || Math.Abs(value) > float.MaxValue
                ? throw new UsageException($"--baseline must be a finite number (float32) or a .npy file, not '{text}'.")
                : value == 0 ? null : tensor((float)value);
        }

        if (!File.Exists(text))
        {
            throw new UsageException($"--baseline must be a number or an existing .npy file, not '{text}'.");
        }

        using var values = NpyFile.Read(text);
        var baseline = values.to(float32);
        try
        {
            InputFiles.CheckFinite(baseline, text);
            return baseline;
        }
        catch
        {
            baseline.Dispose();
            throw;
        }
    }

    /// <summary>A pair such as <c>--window 4,4</c> (height, width); one number means both.</summary>
    private static (int Height, int Width) Pair(Arguments args, string name, (int Height, int Width) fallback)
    {
        var text = args.Optional(name);
        if (text is null)
        {
            return fallback;
        }

        var parts = text.Split(',', 'x');
        var values = parts.Select(p => int.TryParse(p.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : (int?)null).ToArray();
        return values.Length is 1 or 2 && values.All(v => v is not null)
            ? (values[0]!.Value, values[^1]!.Value)
            : throw new UsageException($"--{name} must be two positive integers 'height,width' (e.g. 4,4), not '{text}'.");
    }

}
