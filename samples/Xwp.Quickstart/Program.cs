// Xwp quick start: train a small network on synthetic 28×28 "bar" images, then explain it with
// XWP and XWP^c. The README's quick-start snippets are copied from this file (a test checks it).
using TorchSharp;
using Xwp;
using static TorchSharp.torch;

XwpRuntime.Threads = 2; // or set XWP_NUM_THREADS; keep it at or below your free cores

var (trainX, trainY) = Bars.Make(2000, seed: 1);
var (testX, testY) = Bars.Make(200, seed: 2);

// README: create-train
using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [784, 64, 2], Seed = 42 }); // θ⁰ captured here
var report = model.Train(trainX, trainY, new TrainingOptions { Epochs = 3, Seed = 7 });
Console.WriteLine($"Test accuracy: {model.Accuracy(testX, testY):P1} (training took {report.Elapsed.TotalSeconds:F1} s)");
// README: end

// README: explain
using var images = testX.narrow(0, 0, 4);
using var labels = testY.narrow(0, 0, 4);
using Tensor xwp = model.Explain(images).For(labels).Using(Attributions.Xwp()).Compute();
using Tensor xwpc = model.Explain(images).For(labels).Using(Attributions.XwpComplement()).Compute();
// README: end

for (var i = 0; i < 2; i++)
{
    Console.WriteLine($"Image {i} (class {labels[i].item<long>()}: {(labels[i].item<long>() == 0 ? "vertical" : "horizontal")} bar)");
    Bars.Print(images[i], xwpc[i]);
}

// README: save-load
var path = Path.Combine(Path.GetTempPath(), "quickstart.xwp");
model.Save(path);                          // both snapshots, bit-exact
using var again = Fcnn.Load(path);
using Tensor same = again.Explain(images).For(labels).Using(Attributions.Xwp()).Compute();
Console.WriteLine($"Reloaded model gives the same XWP map: {same.eq(xwp).all().item<bool>()}");
// README: end
File.Delete(path);

/// <summary>Synthetic 28×28 images: a vertical (class 0) or horizontal (class 1) bright bar on black, plus faint noise.</summary>
internal static class Bars
{
    public static (Tensor Images, Tensor Labels) Make(int count, long seed)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var labels = randint(0, 2, [count], generator: g);
        var images = zeros(count, 28, 28);
        var positions = randint(4, 24, [count], generator: g);
        for (var i = 0; i < count; i++)
        {
            var p = positions[i].item<long>();
            var bar = labels[i].item<long>() == 0 ? images[i].narrow(1, p, 2) : images[i].narrow(0, p, 2);
            bar.fill_(1.0f);
        }

        var noise = rand([count, 28, 28], generator: g).mul_(0.2f).mul_(rand([count, 28, 28], generator: g).lt(0.1f));
        var result = images.add_(noise).clamp_(0, 1).reshape(count, 784);
        return (result.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>Prints an image and its map side by side: '#' bright pixel; '+' / '-' strong positive / negative attribution.</summary>
    public static void Print(Tensor image, Tensor map)
    {
        var pixels = image.data<float>().ToArray();
        var scores = map.data<float>().ToArray();
        var scale = scores.Max(Math.Abs);
        for (var row = 0; row < 28; row += 2)
        {
            var left = new char[28];
            var right = new char[28];
            for (var col = 0; col < 28; col++)
            {
                var i = (row * 28) + col;
                left[col] = pixels[i] > 0.5f ? '#' : '.';
                var s = scale > 0 ? scores[i] / scale : 0;
                right[col] = s > 0.2 ? '+' : s < -0.2 ? '-' : '.';
            }

            Console.WriteLine($"  {new string(left)}   {new string(right)}");
        }
    }
}
