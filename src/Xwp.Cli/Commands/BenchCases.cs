using Xwp.Attribution.Shapley;

namespace Xwp.Cli.Commands;

/// <summary>
/// One row of `xwp bench`'s method table: a method with its settings, how many images it is timed on,
/// and what `bench/peers/` needs to run the same method in PyTorch/Captum. The peer script reads
/// <see cref="Parameters"/> from the exported manifest, so both sides use these settings and no other.
/// </summary>
/// <param name="Key">Stable id used in the JSON output, the manifest and the peer script.</param>
/// <param name="Name">Method name for the table.</param>
/// <param name="Settings">The settings in words, for the table.</param>
/// <param name="Method">The configured method.</param>
/// <param name="Images">Images it is timed on by default (large for cheap methods, so batch size effects show).</param>
/// <param name="Peer">The peer implementation the script runs (null: no peer, not run with --peers-only).</param>
/// <param name="Deterministic">Whether the map has no randomness, so Xwp's and the peer's maps must agree.</param>
/// <param name="Parameters">The settings as values for the peer script (names follow Captum's arguments).</param>
internal sealed record BenchCase(
    string Key,
    string Name,
    string Settings,
    AttributionMethod Method,
    int Images,
    string? Peer,
    bool Deterministic,
    IReadOnlyDictionary<string, object> Parameters)
{
    /// <summary>Images for methods whose cost per image is small enough that batch size decides the speed.</summary>
    public const int LargeImages = 65_536;

    /// <summary>Images for the other methods that have a peer.</summary>
    public const int PeerImages = 1_024;

    /// <summary>Images for the methods without a peer (kept short: they are shown for Xwp's own comparison).</summary>
    public const int OtherImages = 256;

    /// <summary>
    /// Every method at its defaults, and at the settings Captum's benchmarks use where those differ.
    /// <paramref name="literalImages"/> bounds the literal XWP row, which costs a full forward pass per feature.
    /// </summary>
    public static IReadOnlyList<BenchCase> All(int literalImages)
    {
        var occlusion = new OcclusionOptions();
        var kernelShap = new KernelShapOptions { Samples = 500, FeatureMask = FeatureMask.Superpixels(28, 28, 4) };
        var svs = new ShapleyValueSamplingOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 4) };
        var ig = new IntegratedGradientsOptions();
        var lrp = new LrpOptions();
        var saliency = new SaliencyOptions();
        var inputXGradient = new InputXGradientOptions();
        var xwp = new XwpOptions();
        var xwpLiteral = new XwpOptions { Algorithm = XwpAlgorithm.RowSwap };
        var xwpc = new XwpComplementOptions();
        return
        [
            new("xwp", "XWP", "rank-1 (defaults)", Attributions.Xwp(xwp), PeerImages, "PyTorch rank-1", true,
                Space(xwp.OutputSpace)),
            new("xwp-literal", "XWP, literal", "column swap, one forward pass per feature", Attributions.Xwp(xwpLiteral), literalImages,
                "PyTorch column swap", true, Space(xwpLiteral.OutputSpace)),
            new("xwpc", "XWP^c", "rank-1, by itself (defaults)", Attributions.XwpComplement(xwpc), PeerImages, "PyTorch rank-1", true,
                Space(xwpc.OutputSpace)),
            new("occlusion", "Occlusion", "4×4 window, stride 2 (defaults)", Attributions.Occlusion(occlusion), PeerImages, "Captum Occlusion", true,
                new Dictionary<string, object>(Space(occlusion.OutputSpace))
                {
                    ["image_shape"] = new[] { occlusion.ImageShape.Height, occlusion.ImageShape.Width },
                    ["window"] = new[] { occlusion.Window.Height, occlusion.Window.Width },
                    ["stride"] = new[] { occlusion.Stride.Height, occlusion.Stride.Width },
                    ["baseline"] = occlusion.Baseline.Scalar ?? throw new InvalidOperationException("The peer takes a scalar occlusion baseline."),
                }),
            new("kernelshap", "KernelSHAP", "500 samples, 49 superpixels (4×4)", Attributions.KernelShap(kernelShap), PeerImages, "Captum KernelShap", false,
                new Dictionary<string, object>(Space(kernelShap.OutputSpace))
                {
                    ["n_samples"] = kernelShap.Samples!.Value,
                    ["feature_mask"] = Groups(kernelShap.FeatureMask!),
                    ["baseline"] = 0.0,
                }),
            new("svs", "Shapley value sampling", "25 permutations, 49 superpixels (4×4)", Attributions.ShapleyValueSampling(svs), PeerImages,
                "Captum ShapleyValueSampling", false,
                new Dictionary<string, object>(Space(svs.OutputSpace))
                {
                    ["n_samples"] = svs.Samples,
                    ["feature_mask"] = Groups(svs.FeatureMask!),
                    ["baseline"] = 0.0,
                }),
            new("ig", "Integrated Gradients", "50 steps, Gauss–Legendre (defaults)", Attributions.IntegratedGradients(ig), PeerImages * 4,
                "Captum IntegratedGradients", true,
                new Dictionary<string, object>(Space(ig.OutputSpace))
                {
                    ["n_steps"] = ig.Steps,
                    ["method"] = ig.Rule switch
                    {
                        IntegrationRule.GaussLegendre => "gausslegendre",
                        IntegrationRule.RiemannLeft => "riemann_left",
                        IntegrationRule.RiemannRight => "riemann_right",
                        IntegrationRule.RiemannMiddle => "riemann_middle",
                        _ => throw new InvalidOperationException($"No Captum rule matches {ig.Rule} exactly."),
                    },
                    ["baseline"] = 0.0,
                }),
            new("lrp", "LRP", "ε = 1e-9 (defaults)", Attributions.Lrp(lrp), LargeImages, "Captum LRP", true,
                new Dictionary<string, object>
                {
                    ["output_space"] = "logits",
                    ["rule"] = lrp.Rule == LrpRule.Epsilon ? "epsilon" : throw new InvalidOperationException($"The peer runs the ε-rule only, not {lrp.Rule}."),
                    ["epsilon"] = lrp.Epsilon,
                }),
            new("saliency", "Saliency", "absolute gradient (defaults)", Attributions.Saliency(saliency), LargeImages, "Captum Saliency", true,
                new Dictionary<string, object>(Space(saliency.OutputSpace)) { ["abs"] = saliency.Absolute }),
            new("inputxgradient", "Input×Gradient", "defaults", Attributions.InputXGradient(inputXGradient), LargeImages, "Captum InputXGradient", true,
                Space(inputXGradient.OutputSpace)),
            new("feature-ablation", "Feature ablation", "single pixels", Attributions.FeatureAblation(), OtherImages, null, true, NoParameters),
            new("kernelshap-defaults", "KernelSHAP", "defaults (2M+2048 samples, single pixels)", Attributions.KernelShap(), OtherImages, null, false, NoParameters),
            new("kernelshap-paper", "KernelSHAP", "paper's SHAP row: defaults, 2×2 superpixels", Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 2) }),
                OtherImages, null, false, NoParameters),
            new("svs-pixels", "Shapley value sampling", "25 permutations, single pixels (defaults)", Attributions.ShapleyValueSampling(), OtherImages, null, false,
                NoParameters),
            new("rise", "RISE", "4000 masks, 7×7, p = 0.5 (defaults)", Attributions.Rise(), OtherImages, null, false, NoParameters),
            new("random", "Random", "defaults", Attributions.Random(), OtherImages, null, false, NoParameters),
            new("input-magnitude", "Input magnitude", "defaults", Attributions.InputMagnitude(), OtherImages, null, true, NoParameters),
        ];
    }

    private static Dictionary<string, object> NoParameters => [];

    private static Dictionary<string, object> Space(OutputSpace space) => new()
    {
        ["output_space"] = space == OutputSpace.Probabilities ? "probabilities" : "logits",
    };

    /// <summary>The group id of every feature, exactly as Xwp groups superpixels, so the peer's feature mask is the same.</summary>
    /// <summary>The group of each of a 28×28 image's pixels, row-major, as Captum's feature_mask takes it.</summary>
    private static long[] Groups(FeatureMask mask) => mask.Resolve([28, 28], "feature_mask").GroupOfFeature;
}
