using System.Globalization;
using Xwp.Plotting;
using static TorchSharp.torch;

namespace Xwp.Cli.Reproduction;

/// <summary>The report's pictures: heatmaps (Figures 3, 5, 6), mean deletion curves (Figure 4), first-layer weights (Figure 2), each with its caption.</summary>
internal static class Figures
{
    public static void Draw(
        string folder,
        DatasetResult result,
        Fcnn model,
        ImageDataset test,
        long[] selection,
        Tensor inputs,
        IReadOnlyDictionary<string, Tensor> maps)
    {
        var paperMethods = result.Rows.Where(r => r.Method.PaperColumn is not null).Select(r => r.Method).ToList();

        // One sample per class: the first selected image of each class.
        var labels = test.Labels.data<long>().ToArray();
        var rows = new List<HeatmapRow>();
        for (var c = 0; c < test.ClassNames.Count; c++)
        {
            var position = Array.FindIndex(selection, i => labels[i] == c);
            if (position < 0)
            {
                continue;
            }

            var input = Row(inputs, position);
            var methodMaps = paperMethods.Select(m => Row(maps[m.Key], position)).ToList();
            rows.Add(new HeatmapRow(input, methodMaps, test.ClassNames[c]));
        }

        var heatmaps = $"heatmaps-{result.Key}.png";
        var options = new HeatmapGridOptions { Title = $"{result.Name}: attribution maps (red for the class, blue against it)" };
        HeatmapGrid.SavePng(Path.Combine(folder, heatmaps), paperMethods.Select(m => m.PaperColumn!).ToList(), rows, options);
        result.Figures.Add(new ReportFigure(heatmaps, HeatmapCaption(result, paperMethods, rows, options)));

        var curves = $"deletion-curves-{result.Key}.png";
        var curveOptions = new DeletionCurvePlotOptions { Title = $"{result.Name}: mean deletion curves", Width = 1100, Height = 520 };
        DeletionCurvePlot.SavePng(
            Path.Combine(folder, curves),
            result.Rows.Select(r => new KeyValuePair<string, double[]>(r.Method.ShortLabel, r.MeanDeletionCurve)),
            curveOptions);
        result.Figures.Add(new ReportFigure(curves, string.Create(CultureInfo.InvariantCulture,
            $"{result.Name}: mean deletion curves over the {result.EvaluatedImages} evaluated images — the predicted class's softmax " +
            $"probability as the features are set to 0, 1% per step, in decreasing order of attribution. Left: all steps; right: the " +
            $"first {curveOptions.ZoomTo * 100:0.#}% (shaded on the left), where the curves of good maps fall. Each legend entry gives the " +
            $"method's Deletion AUC, the area under its mean curve (the table's mean; lower is better).")));

        using var weight = model.CopyWeight(0).cpu();
        var rowsCount = (int)weight.shape[0];
        var columns = (int)weight.shape[1];
        var values = weight.data<float>().ToArray();
        var matrix = new float[rowsCount, columns];
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(float));
        var neurons = WeightPatternGrid.SelectNeurons(matrix, 20);
        var weights = $"first-layer-weights-{result.Key}.png";
        WeightPatternGrid.SavePng(
            Path.Combine(folder, weights),
            matrix,
            neurons,
            new WeightPatternGridOptions { Title = $"{result.Name}: first-layer weights of the 20 neurons with the largest weight norms" });
        result.Figures.Add(new ReportFigure(weights,
            $"{result.Name}: the trained network's first-layer weights (the paper's Figure 2) — for each of the 20 hidden neurons with the " +
            "largest weight norms, the weights from the 784 input pixels drawn as a 28×28 tile, red positive, blue negative, white 0, " +
            "each tile scaled by its own largest |weight|."));
    }

    /// <summary>The heatmap grid's caption: what the colours mean, and which columns use the min-to-max scale.</summary>
    private static string HeatmapCaption(DatasetResult result, IReadOnlyList<ReproductionMethod> methods, IReadOnlyList<HeatmapRow> rows, HeatmapGridOptions options)
    {
        var minToMax = methods.Where((_, c) => rows.All(r => HeatmapGrid.IsDrawnMinToMax(r.Maps[c], options))).Select(m => m.PaperColumn!).ToList();
        var caption = $"{result.Name}: the first evaluated test image of each class and its attribution maps for the predicted class, one " +
                      "column per method of Table 1. Maps with values of both signs use a blue–white–red scale centred at 0, each map scaled by " +
                      "its own largest |value|: red supports the class, blue opposes it, white is 0.";
        return minToMax.Count == 0
            ? caption + " No column has maps of one sign only, so every map is drawn this way."
            : caption + $" The maps of {string.Join(", ", minToMax)} have values of one sign only (RISE's are always positive) and would be one " +
                        "flat colour on that scale, so they are drawn from their own smallest |value| (white) to their largest (red when positive, " +
                        "blue when negative) instead; those column titles say (min–max), and there white is the map's minimum |value|, not 0.";
    }

    private static float[] Row(Tensor t, long index)
    {
        using var row = t[index].cpu().contiguous();
        return row.data<float>().ToArray();
    }
}
