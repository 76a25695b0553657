using FluentAssertions;
using Xunit;
using Xwp.Plotting;

namespace Xwp.Tests.Plotting;

public class WeightPatternGridTests
{
    private static readonly DivergingColorMap Map = DivergingColorMap.BlueWhiteRed;

    // Norms: neuron 0 = |(3, 4)| = 5, neuron 1 = |(0, 1)| = 1, neuron 2 = |(6, 8)| = 10, neuron 3 = |(−4, −3)| = 5.
    private static readonly float[,] FourNeurons = { { 3f, 4f }, { 0f, 1f }, { 6f, 8f }, { -4f, -3f } };

    private static float[,] Random784(int neurons, int seed)
    {
        var random = new Random(seed);
        var weights = new float[neurons, 784];
        for (var n = 0; n < neurons; n++)
        {
            for (var i = 0; i < 784; i++)
            {
                weights[n, i] = (float)(random.NextDouble() - 0.5);
            }
        }

        return weights;
    }

    [Fact]
    public void Selection_ranks_by_weight_norm_with_ties_to_the_smaller_index()
    {
        WeightPatternGrid.SelectNeurons(FourNeurons, 3).Should().Equal(2, 0, 3);
        WeightPatternGrid.SelectNeurons(FourNeurons, 4).Should().Equal(2, 0, 3, 1);
        WeightPatternGrid.SelectNeurons(FourNeurons, 2, NeuronRanking.SmallestNorm).Should().Equal(1, 0);
        WeightPatternGrid.SelectNeurons(FourNeurons, 1).Should().Equal(2);
    }

    [Fact]
    public void Weights_of_a_tensor_convert_as_the_docs_say()
    {
        // FcnnSnapshot.Weights[0] is [out, in]; the docs' conversion gives the same [neurons, inputs] matrix.
        using var tensor = TorchSharp.torch.tensor(new float[] { 3f, 4f, 0f, 1f, 6f, 8f, -4f, -3f }, [4, 2]);
        var weights = (float[,])tensor.data<float>().ToNDArray();

        weights.Should().BeEquivalentTo(FourNeurons);
        WeightPatternGrid.SelectNeurons(weights, 3).Should().Equal(2, 0, 3);
    }

    [Fact]
    public void Selection_rejects_bad_counts_and_weights()
    {
        FluentActions.Invoking(() => WeightPatternGrid.SelectNeurons(FourNeurons, 0))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("count");
        FluentActions.Invoking(() => WeightPatternGrid.SelectNeurons(FourNeurons, 5))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("count");
        FluentActions.Invoking(() => WeightPatternGrid.SelectNeurons(FourNeurons, 1, (NeuronRanking)7))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("ranking");
        FluentActions.Invoking(() => WeightPatternGrid.SelectNeurons(new float[,] { { 1f, float.NaN } }, 1))
            .Should().Throw<ArgumentException>().WithMessage("*neuron 0 from input 1*NaN*").Which.ParamName.Should().Be("weights");
        FluentActions.Invoking(() => WeightPatternGrid.SelectNeurons(new float[0, 3], 1))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("weights");
        FluentActions.Invoking(() => WeightPatternGrid.SelectNeurons(null!, 1))
            .Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("weights");
    }

    [Fact]
    public void The_png_has_the_size_of_the_documented_layout()
    {
        var options = new WeightPatternGridOptions { Columns = 2, Scale = 1, Gap = 2, Margin = 3, FontSize = 10, Title = null, ShowColorBar = false };
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.Path, "weights.png");

        WeightPatternGrid.SavePng(path, Random784(6, 1), [5, 4, 3, 2, 1], options);

        // 5 tiles in rows of 2: 3 rows. Width 2·3 + 2·28 + 1·2 = 64;
        // height 2·3 + 3·(⌈16⌉ label + 28) + 2·2 = 6 + 132 + 4 = 142.
        using var bitmap = PlotAssert.Decode(File.ReadAllBytes(path));
        (bitmap.Width, bitmap.Height).Should().Be((64, 142));

        // A title adds ⌈2.2·10⌉ = 22 and the colour bar ⌈5⌉ + ⌈8⌉ + ⌈16⌉ = 29; fewer tiles than Columns narrow the grid.
        using var full = WeightPatternGrid.Render(Random784(6, 1), [0], options with { Title = "W", ShowColorBar = true });
        (full.Width, full.Height).Should().Be((6 + 28, 6 + 22 + 16 + 28 + 29));
    }

    [Fact]
    public void Each_tile_is_scaled_symmetrically_by_its_own_max()
    {
        // Neuron 0: [-0.5, 0, 0.25] → max 0.5: negative end, neutral, Map(0.5). Neuron 1 = 10 × neuron 0 (exact in float).
        var weights = new float[,] { { -0.5f, 0f, 0.25f }, { -5f, 0f, 2.5f } };
        var options = new WeightPatternGridOptions { ImageWidth = 3, ImageHeight = 1, Scale = 2, Gap = 2, Margin = 0, FontSize = 4, Title = null, ShowColorBar = false };

        using var bitmap = WeightPatternGrid.Render(weights, [0, 1], options);

        // Label band ⌈6.4⌉ = 7 above the tiles; tile 1 starts at x = 3·2 + 2 = 8.
        (bitmap.Width, bitmap.Height).Should().Be((14, 9));
        bitmap.Rgb(0, 7).Should().Be(Map.Negative.Rgb());
        bitmap.Rgb(3, 8).Should().Be(Map.Neutral.Rgb());
        bitmap.Rgb(5, 8).Should().Be(Map.Map(0.5).Rgb());
        PlotAssert.SamePixels(bitmap, 0, 7, 8, 7, 6, 2).Should().BeTrue();
    }

    [Fact]
    public void Labels_render_with_a_font_and_the_grid_still_draws_without_one()
    {
        PlotAssert.RequireFont();
        var options = new WeightPatternGridOptions { Title = null, ShowColorBar = false, Margin = 0 };
        var weights = Random784(3, 2);

        using var withText = WeightPatternGrid.Render(weights, [0, 2], options);
        using var withoutText = WeightPatternGrid.RenderWith(weights, [0, 2], options, new TextPainter(null));

        var band = (int)Math.Ceiling(12 * 1.6);
        // (The row just above the tiles holds their one-pixel frames.)
        PlotAssert.AllWhite(withText, 0, 0, withText.Width, band - 1).Should().BeFalse("the neuron labels are drawn");
        PlotAssert.AllWhite(withoutText, 0, 0, withoutText.Width, band - 1).Should().BeTrue();
        PlotAssert.SamePixels(withText, 0, band, 0, band, 84, 84).Should().BeTrue();
        (withoutText.Width, withoutText.Height).Should().Be((withText.Width, withText.Height));
    }

    [Fact]
    public void Bad_inputs_and_options_are_rejected_naming_them()
    {
        var weights = Random784(3, 3);
        FluentActions.Invoking(() => WeightPatternGrid.Render(FourNeurons, [0]))
            .Should().Throw<ArgumentException>().WithMessage("*2 weights*784*").Which.ParamName.Should().Be("weights");
        FluentActions.Invoking(() => WeightPatternGrid.Render(weights, [0, 3]))
            .Should().Throw<ArgumentException>().WithMessage("*neurons[1] = 3*").Which.ParamName.Should().Be("neurons");
        FluentActions.Invoking(() => WeightPatternGrid.Render(weights, [-1]))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("neurons");
        FluentActions.Invoking(() => WeightPatternGrid.Render(weights, []))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("neurons");
        var nan = Random784(1, 4);
        nan[0, 100] = float.NaN;
        FluentActions.Invoking(() => WeightPatternGrid.Render(nan, [0]))
            .Should().Throw<ArgumentException>().WithMessage("*input 100*NaN*").Which.ParamName.Should().Be("weights");

        Check(new WeightPatternGridOptions { Columns = 0 }, "Columns");
        Check(new WeightPatternGridOptions { Scale = 0 }, "Scale");
        Check(new WeightPatternGridOptions { ImageWidth = 0 }, "ImageWidth");
        Check(new WeightPatternGridOptions { ImageHeight = 2000 }, "ImageHeight");
        Check(new WeightPatternGridOptions { Gap = -1 }, "Gap");
        Check(new WeightPatternGridOptions { Margin = 501 }, "Margin");
        Check(new WeightPatternGridOptions { FontSize = 0 }, "FontSize");
        Check(new WeightPatternGridOptions { ScalePercentile = -1 }, "ScalePercentile");
        Check(new WeightPatternGridOptions { ColorMap = null! }, "ColorMap");
        Check(new WeightPatternGridOptions { FontFile = "/no/such/font.ttf" }, "FontFile");
        new WeightPatternGridOptions().Validate();

        static void Check(WeightPatternGridOptions options, string name) =>
            FluentActions.Invoking(options.Validate).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }
}
