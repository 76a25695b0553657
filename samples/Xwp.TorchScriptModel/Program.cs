// A model trained in PyTorch and exported with TorchScript, explained and scored from C#.
// model.pt was made by make_model.py beside this file (PyTorch 1.13):
//
//     model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
//     ... trained with Adam on y = [x0 - x1 > 0] over 6 random features ...
//     model.eval()
//     torch.jit.script(model).save("model.pt")
//
// The same from the command line:
//     xwp explain --torchscript model.pt --inputs X.npy --targets Y.npy --method ig --out A.npy
//     xwp explain --torchscript model.pt --inputs X.npy --targets Y.npy --method lrp --out A.npy
using Xwp;
using static TorchSharp.torch;

XwpRuntime.Threads = 2;
using var model = TorchScriptModel.Load(Path.Combine(AppContext.BaseDirectory, "model.pt"), ModelOutput.Logits);

using var g = new TorchSharp.torch.Generator(5);
using var x = randn([100, 6], generator: g);
using var y = x[.., 0].sub(x[.., 1]).gt(0).to(int64);
using (no_grad())
using (var logits = model.Forward(x))
using (var correct = logits.argmax(1).eq(y).to(float32).mean())
{
    Console.WriteLine($"Accuracy of the scripted model: {correct.item<float>():P1}");
}

Console.WriteLine($"\nMean |attribution| per feature (x0 and x1 should lead):\n{"method",-20}{string.Join("", Enumerable.Range(0, 6).Select(i => $"{"x" + i,8}"))}");
// LRP too: the file is a scripted nn.Sequential of layers LRP has rules for.
foreach (var method in new[] { Attributions.IntegratedGradients(), Attributions.ShapleyValueSampling(), Attributions.Lrp(), Attributions.Saliency() })
{
    using var map = model.Explain(x).For(y).Using(method).Compute();
    using var means = map.abs().mean([0]);
    Console.WriteLine($"{method.Name,-20}{string.Join("", means.data<float>().ToArray().Select(m => $"{m,8:F3}"))}");
}

var report = model.Evaluate(x, y)
    .With(Attributions.IntegratedGradients(), Attributions.Random())
    .Metrics(Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1 }))
    .Run();
Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
