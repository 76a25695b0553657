using Xwp.Plotting;
using static TorchSharp.torch;

namespace Xwp.Cli.Reproduction;

/// <summary>The report's pictures: heatmaps (Figures 3, 5, 6), mean deletion curves (Figure 4), first-layer weights (Figure 2).</summary>
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
        HeatmapGrid.SavePng(
            Path.Combine(folder, heatmaps),
            paperMethods.Select(m => m.PaperColumn!).ToList(),
            rows,
            new HeatmapGridOptions { Title = $"{result.Name}: attribution maps (red for the class, blue against it)" });
        result.Figures.Add(heatmaps);

        var curves = $"deletion-curves-{result.Key}.png";
        DeletionCurvePlot.SavePng(
            Path.Combine(folder, curves),
            result.Rows.Select(r => new KeyValuePair<string, double[]>(r.Method.ShortLabel, r.MeanDeletionCurve)),
            new DeletionCurvePlotOptions { Title = $"{result.Name}: mean deletion curves", Width = 900 });
        result.Figures.Add(curves);

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
        result.Figures.Add(weights);
        if (!File.Exists(Path.Combine(folder, "first-layer-weights.png")) || result.Key.StartsWith("tmnist", StringComparison.Ordinal))
        {
            // The paper's Figure 2 shows a TMNIST network; the first dataset's stands in when there is none.
            File.Copy(Path.Combine(folder, weights), Path.Combine(folder, "first-layer-weights.png"), overwrite: true);
        }
    }

    private static float[] Row(Tensor t, long index)
    {
        using var row = t[index].cpu().contiguous();
        return row.data<float>().ToArray();
    }
}
