using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>
/// First-layer weight patterns like Figure 2 of the XWP paper (Explainable Weight Perturbation):
/// each selected neuron's incoming weights drawn as an image (e.g.
/// 784 weights as 28×28) with a diverging colour map centred at zero, each tile scaled symmetrically by
/// its own largest |weight|, labelled with the neuron's index. Weights are given as a
/// <c>[neurons, inputs]</c> matrix, the layout of <c>FcnnSnapshot.Weights[0]</c>
/// (e.g. <c>(float[,])snapshot.Weights[0].data&lt;float&gt;().ToNDArray()</c>).
/// </summary>
public static class WeightPatternGrid
{
    /// <summary>
    /// The <paramref name="count"/> neurons ranked first by the Euclidean norm of their incoming weights
    /// (row norms of <paramref name="weights"/>); ties go to the smaller index, so the choice is deterministic.
    /// </summary>
    /// <param name="weights">The layer's weights, <c>[neurons, inputs]</c>, finite.</param>
    /// <param name="count">How many neurons; 1 … neurons.</param>
    /// <param name="ranking">Largest (default) or smallest norm first.</param>
    /// <returns>Neuron indices in rank order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> is empty or has a NaN or infinite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not in 1 … neurons, or <paramref name="ranking"/> is unknown.</exception>
    public static int[] SelectNeurons(float[,] weights, int count, NeuronRanking ranking = NeuronRanking.LargestNorm)
    {
        CheckWeights(weights, nameof(weights));
        var neurons = weights.GetLength(0);
        if (count < 1 || count > neurons)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [1, {neurons}] (the number of neurons).");
        }

        if (!Enum.IsDefined(ranking))
        {
            throw new ArgumentOutOfRangeException(nameof(ranking), ranking, "Unknown ranking.");
        }

        var norms = new double[neurons];
        for (var n = 0; n < neurons; n++)
        {
            var sum = 0.0;
            for (var i = 0; i < weights.GetLength(1); i++)
            {
                sum += (double)weights[n, i] * weights[n, i];
            }

            norms[n] = Math.Sqrt(sum);
        }

        var sign = ranking == NeuronRanking.LargestNorm ? -1 : 1;
        return Enumerable.Range(0, neurons)
            .OrderBy(n => sign * norms[n])
            .ThenBy(n => n)
            .Take(count)
            .ToArray();
    }

    /// <summary>Draws the selected neurons' weight patterns into a new bitmap, which the caller owns and disposes.</summary>
    /// <param name="weights">The layer's weights, <c>[neurons, inputs]</c>, finite; inputs = ImageWidth × ImageHeight.</param>
    /// <param name="neurons">The neurons to draw, in order (left to right, then top to bottom); repeats are allowed.</param>
    /// <param name="options">Layout and colours; null for the defaults.</param>
    /// <returns>An opaque RGBA bitmap.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="weights"/> is empty, has a NaN or infinite value or does not have ImageWidth × ImageHeight
    /// columns; <paramref name="neurons"/> is empty or names a neuron that does not exist; or the picture would be too large.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static SKBitmap Render(float[,] weights, IReadOnlyList<int> neurons, WeightPatternGridOptions? options = null)
    {
        options ??= new WeightPatternGridOptions();
        options.Validate();
        return RenderWith(weights, neurons, options, new TextPainter(PlotFonts.Resolve(options.FontFile)));
    }

    /// <summary>Draws the grid with the given text painter (tests pass one without a font).</summary>
    internal static SKBitmap RenderWith(float[,] weights, IReadOnlyList<int> neurons, WeightPatternGridOptions options, TextPainter text)
    {
        CheckWeights(weights, nameof(weights));
        ArgumentNullException.ThrowIfNull(neurons);
        var inputs = weights.GetLength(1);
        if (inputs != options.ImageWidth * options.ImageHeight)
        {
            throw new ArgumentException(
                $"Each neuron has {inputs} weights; expected {options.ImageWidth * options.ImageHeight} ({options.ImageHeight}×{options.ImageWidth}, from the options).", nameof(weights));
        }

        if (neurons.Count == 0)
        {
            throw new ArgumentException("At least one neuron is needed.", nameof(neurons));
        }

        for (var k = 0; k < neurons.Count; k++)
        {
            if (neurons[k] < 0 || neurons[k] >= weights.GetLength(0))
            {
                throw new ArgumentException($"neurons[{k}] = {neurons[k]} is not a neuron; the layer has {weights.GetLength(0)}.", nameof(neurons));
            }
        }

        var layout = WeightGridLayout.Of(neurons.Count, options);
        var bitmap = Drawing.NewBitmap(layout.Width, layout.Height, nameof(neurons));
        try
        {
            using var canvas = new SKCanvas(bitmap);
            Paint(canvas, text, layout, weights, neurons, options);
            canvas.Flush();
            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    /// <summary>Draws the selected neurons' weight patterns and returns them as PNG bytes.</summary>
    /// <param name="weights">The layer's weights, <c>[neurons, inputs]</c>.</param>
    /// <param name="neurons">The neurons to draw, in order.</param>
    /// <param name="options">Layout and colours; null for the defaults.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Render"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] RenderPng(float[,] weights, IReadOnlyList<int> neurons, WeightPatternGridOptions? options = null)
    {
        using var bitmap = Render(weights, neurons, options);
        return Drawing.EncodePng(bitmap);
    }

    /// <summary>Draws the selected neurons' weight patterns and writes them as a PNG file (through a temporary file, creating the folder when needed).</summary>
    /// <param name="path">The PNG file to write; replaced when it exists.</param>
    /// <param name="weights">The layer's weights, <c>[neurons, inputs]</c>.</param>
    /// <param name="neurons">The neurons to draw, in order.</param>
    /// <param name="options">Layout and colours; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or as for <see cref="Render"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="IOException">The file cannot be written: its folder cannot be created, it names a FIFO, device or folder, or writing failed. A symbolic link is written through to its target.</exception>
    public static void SavePng(string path, float[,] weights, IReadOnlyList<int> neurons, WeightPatternGridOptions? options = null)
    {
        Drawing.CheckPath(path, nameof(path));
        Drawing.WriteAtomically(path, RenderPng(weights, neurons, options));
    }

    private static void CheckWeights(float[,] weights, string paramName)
    {
        ArgumentNullException.ThrowIfNull(weights, paramName);
        if (weights.Length == 0)
        {
            throw new ArgumentException("The weight matrix is empty.", paramName);
        }

        for (var n = 0; n < weights.GetLength(0); n++)
        {
            for (var i = 0; i < weights.GetLength(1); i++)
            {
                if (!float.IsFinite(weights[n, i]))
                {
                    throw new ArgumentException(
                        $"The weight of neuron {n} from input {i} is {(float.IsNaN(weights[n, i]) ? "NaN" : "infinite")}.", paramName);
                }
            }
        }
    }

    private static void Paint(SKCanvas canvas, TextPainter text, WeightGridLayout layout, float[,] weights, IReadOnlyList<int> neurons, WeightPatternGridOptions options)
    {
        if (layout.TitleHeight > 0)
        {
            var box = new SKRect(options.Margin, options.Margin, layout.Width - options.Margin, options.Margin + layout.TitleHeight);
            text.Draw(canvas, options.Title, box, options.FontSize * 1.3f, SKTextAlign.Center, bold: true);
        }

        var row = new float[weights.GetLength(1)];
        for (var k = 0; k < neurons.Count; k++)
        {
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = weights[neurons[k], i];
            }

            var (left, top) = layout.TileAt(k);
            var label = new SKRect(left - (options.Gap / 2f), top - layout.LabelHeight, left + layout.TileWidth + (options.Gap / 2f), top);
            text.Draw(canvas, $"#{neurons[k]}", label, options.FontSize, SKTextAlign.Center);
            Drawing.PaintSigned(canvas, row, options.ImageWidth, left, top, options.Scale, options.ColorMap, new MapScale(0, Drawing.SymmetricScale(row, options.ScalePercentile), OneSigned: false));
            Drawing.FrameCell(canvas, left, top, layout.TileWidth, layout.TileHeight, options.Gap);
        }

        if (layout.ColorBarHeight > 0)
        {
            Drawing.ColorBar(canvas, text, options.ColorMap, options.Margin, layout.ColorBarTop, layout.Width - (2 * options.Margin), options.FontSize);
        }
    }
}

/// <summary>Where everything of a weight pattern grid goes (see <see cref="WeightPatternGridOptions"/> for the arithmetic).</summary>
internal sealed record WeightGridLayout(
    int Width, int Height, int Margin, int Gap, int TitleHeight, int LabelHeight, int TileWidth, int TileHeight,
    int Columns, int Rows, int ColorBarHeight)
{
    public static WeightGridLayout Of(int tiles, WeightPatternGridOptions o)
    {
        var columns = Math.Min(tiles, o.Columns);
        var rows = (tiles + columns - 1) / columns;
        var tileWidth = o.ImageWidth * o.Scale;
        var tileHeight = o.ImageHeight * o.Scale;
        var title = string.IsNullOrEmpty(o.Title) ? 0 : Drawing.TitleBand(o.FontSize);
        var label = Drawing.TextBand(o.FontSize);
        var bar = o.ShowColorBar ? Drawing.ColorBarBand(o.FontSize) : 0;
        var width = (2 * o.Margin) + (columns * tileWidth) + ((columns - 1) * o.Gap);
        var height = (2 * o.Margin) + title + (rows * (label + tileHeight)) + ((rows - 1) * o.Gap) + bar;
        return new WeightGridLayout(width, height, o.Margin, o.Gap, title, label, tileWidth, tileHeight, columns, rows, bar);
    }

    /// <summary>Top-left corner of tile k (its label band is above it).</summary>
    public (int Left, int Top) TileAt(int k) =>
        (Margin + (k % Columns * (TileWidth + Gap)), Margin + TitleHeight + LabelHeight + (k / Columns * (LabelHeight + TileHeight + Gap)));

    public int ColorBarTop => TileAt((Rows - 1) * Columns).Top + TileHeight;
}
