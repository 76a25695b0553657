// A small CNN of your own on images [N, 1, 16, 16]: trained by your own loop, explained with the baselines
// (maps have the images' shape) and scored with the metrics.
using TorchSharp;
using Xwp;
using static TorchSharp.torch;

XwpRuntime.Threads = 2;
var (trainX, trainY) = Bars.Make(1000, seed: 1);
var (testX, testY) = Bars.Make(64, seed: 2);

var cnn = nn.Sequential(
    ("conv1", nn.Conv2d(1, 8, 3)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
    ("conv2", nn.Conv2d(8, 16, 3)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
    ("flatten", nn.Flatten()), ("fc", nn.Linear(16 * 2 * 2, 2)));
var optimizer = optim.Adam(cnn.parameters(), lr: 0.01);
cnn.train();
for (var epoch = 0; epoch < 3; epoch++)
{
    for (var start = 0; start < 1000; start += 50)
    {
        using var step = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.cross_entropy(cnn.call(trainX.narrow(0, start, 50)), trainY.narrow(0, start, 50)).backward();
        optimizer.step();
    }
}

var model = ExplainableModel.FromModule(cnn);
using (no_grad())
{
    cnn.eval();
    Console.WriteLine($"Test accuracy: {cnn.call(testX).argmax(1).eq(testY).to(float32).mean().item<float>():P1}");
}

var methods = new AttributionMethod[]
{
    Attributions.Occlusion(new OcclusionOptions { Window = (3, 3), Stride = (1, 1) }),
    Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(16, 16, 2), Samples = 300 }),
    Attributions.IntegratedGradients(),
    Attributions.Lrp(),
    Attributions.Rise(new RiseOptions { MaskCount = 500, GridSize = 4 }),
};
using var first = testX.narrow(0, 0, 1);
foreach (var method in methods)
{
    using var map = model.Explain(first).For(testY.narrow(0, 0, 1)).Using(method).Compute();
    Console.WriteLine($"\n{method.Name}: map [{string.Join(", ", map.shape)}] of a {(testY[0].item<long>() == 0 ? "vertical" : "horizontal")} bar");
    Bars.Print(first[0, 0], map[0, 0]);
}

var report = model.Evaluate(testX, testY)
    .With(methods.Append(Attributions.Random()).ToArray())
    .Metrics(Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 8 }), Metrics.AverageDrop())
    .Run();
Console.WriteLine();
Console.WriteLine(report.ToMarkdown());

/// <summary>Synthetic 16×16 images [N, 1, 16, 16]: a vertical (class 0) or horizontal (class 1) bar on black.</summary>
internal static class Bars
{
    public static (Tensor Images, Tensor Labels) Make(int count, long seed)
    {
        using var g = new Generator((ulong)seed);
        var labels = randint(0, 2, [count], generator: g);
        var positions = randint(2, 13, [count], generator: g);
        var images = zeros(count, 1, 16, 16);
        for (var i = 0; i < count; i++)
        {
            var p = positions[i].item<long>();
            (labels[i].item<long>() == 0 ? images[i, 0].narrow(1, p, 2) : images[i, 0].narrow(0, p, 2)).fill_(1.0f);
        }

        return (images, labels);
    }

    /// <summary>An image and its map side by side: '#' bright pixel; '+' / '-' strong positive / negative attribution.</summary>
    public static void Print(Tensor image, Tensor map)
    {
        var pixels = image.contiguous().data<float>().ToArray();
        var scores = map.contiguous().data<float>().ToArray();
        var scale = scores.Max(Math.Abs);
        for (var row = 0; row < 16; row++)
        {
            var left = new string([.. Enumerable.Range(0, 16).Select(c => pixels[(row * 16) + c] > 0.5f ? '#' : '.')]);
            var right = new string([.. Enumerable.Range(0, 16).Select(c =>
            {
                var s = scale > 0 ? scores[(row * 16) + c] / scale : 0;
                return s > 0.25 ? '+' : s < -0.25 ? '-' : '.';
            })]);
            Console.WriteLine($"  {left}   {right}");
        }
    }
}
