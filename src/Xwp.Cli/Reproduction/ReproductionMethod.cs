namespace Xwp.Cli.Reproduction;

/// <summary>One row of the reproduced Table 1.</summary>
/// <param name="Key">File-safe name (maps/KEY.npy) and the method's name in reports.</param>
/// <param name="Display">The row label.</param>
/// <param name="PaperColumn">The paper's column this row reproduces, or null for extra and sanity rows.</param>
/// <param name="Settings">The settings, as recorded in the report and in the cache key.</param>
/// <param name="Method">The attribution method.</param>
/// <param name="Options">The options <paramref name="Method"/> was made with (null when it has none): with the key, the method's cache identity.</param>
/// <param name="IsSanityRow">Random and input-magnitude: a method that does not beat them explains nothing.</param>
internal sealed record ReproductionMethod(string Key, string Display, string? PaperColumn, string Settings, AttributionMethod Method, object? Options, bool IsSanityRow = false)
{
    /// <summary>A short label for figure legends and column titles.</summary>
    public string ShortLabel => PaperColumn ?? Key switch
    {
        "svs" => "SVS",
        "random" => "Random",
        "input-magnitude" => "Input magnitude",
        _ => Display,
    };

    /// <summary>The rows, in the paper's column order, then the extra and sanity rows (docs/methods.md#reproducing-table-1).</summary>
    public static IReadOnlyList<ReproductionMethod> All(long seed)
    {
        var occlusion = new OcclusionOptions();
        var kernelShap = new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 2), Seed = seed };
        var rise = new RiseOptions { Seed = seed };
        var ig = new IntegratedGradientsOptions();
        var lrp = new LrpOptions();
        var xwp = new XwpOptions();
        var xwpc = new XwpComplementOptions();
        var svs = new ShapleyValueSamplingOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 2), Seed = seed };
        var random = new RandomOptions { Seed = seed };
        return
        [
            new("occlusion", "Occlusion", "OCCL", "4×4 window, stride 2, baseline 0", Attributions.Occlusion(occlusion), occlusion),
            new("kernelshap", "SHAP (KernelSHAP, 2×2 superpixels)", "SHAP", $"2M+2048 coalitions, 2×2 superpixels, baseline 0, seed {seed}",
                Attributions.KernelShap(kernelShap), kernelShap),
            new("rise", "RISE", "RISE", $"4000 masks, 7×7 grid, p = 0.5, seed {seed}", Attributions.Rise(rise), rise),
            new("ig", "Integrated Gradients", "IG", "baseline 0, 50 steps, Gauss–Legendre", Attributions.IntegratedGradients(ig), ig),
            new("lrp", "LRP (ε)", "LRP", "ε = 1e-9, from the target's logit", Attributions.Lrp(lrp), lrp),
            new("xwp", "XWP", "XWP", "probabilities, rank-1", Attributions.Xwp(xwp), xwp),
            new("xwpc", "XWP^c", "XWP^c", "by itself (methods.md#the-sign-of-xwpc), probabilities, rank-1", Attributions.XwpComplement(xwpc), xwpc),
            new("svs", "Shapley value sampling (2×2 superpixels)", null, $"25 permutations, 2×2 superpixels, baseline 0, seed {seed}",
                Attributions.ShapleyValueSampling(svs), svs),
            new("random", "Random (sanity)", null, $"uniform, seed {seed}", Attributions.Random(random), random, IsSanityRow: true),
            new("input-magnitude", "Input magnitude (sanity)", null, "|x|", Attributions.InputMagnitude(), null, IsSanityRow: true),
        ];
    }
}
