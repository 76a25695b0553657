// Your own TorchSharp model: an MLP with BatchNorm and Dropout, trained by your own loop on a synthetic
// tabular task, then explained with the baselines and scored with the metrics — no Fcnn involved.
using TorchSharp;
using Xwp;
using static TorchSharp.torch;

XwpRuntime.Threads = 2;
string[] names = ["age", "income", "debt", "tenure", "visits", "noise1", "noise2", "noise3"];

// The label depends on income, debt and tenure only: y = [income − debt + 0.5·tenure > 0].
using var g = new Generator(1);
var x = randn([2000, 8], generator: g);
var y = x[.., 1].sub(x[.., 2]).add(x[.., 3].mul(0.5)).gt(0).to(int64);

var mlp = nn.Sequential(
    ("fc1", nn.Linear(8, 32)), ("bn", nn.BatchNorm1d(32)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("fc2", nn.Linear(32, 2)));
var optimizer = optim.Adam(mlp.parameters(), lr: 0.01);
mlp.train();
for (var epoch = 0; epoch < 5; epoch++)
{
    for (var start = 0; start < 2000; start += 100)
    {
        using var step = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(mlp.call(x.narrow(0, start, 100)), y.narrow(0, start, 100));
        loss.backward();
        optimizer.step();
    }
}

// One call wraps the module; explanations and metrics put it in eval mode while they run.
var model = ExplainableModel.FromModule(mlp, ModelOutput.Logits);
var test = x.narrow(0, 0, 200);
var labels = y.narrow(0, 0, 200);
using (no_grad())
{
    mlp.eval();
    Console.WriteLine($"Accuracy on the first 200 rows: {mlp.call(test).argmax(1).eq(labels).to(float32).mean().item<float>():P1}");
}

var methods = new[]
{
    Attributions.IntegratedGradients(),
    Attributions.KernelShap(new KernelShapOptions { Samples = 256 }),
    Attributions.FeatureAblation(),
    Attributions.Lrp(),
};
Console.WriteLine($"\nMean |attribution| per feature (income, debt and tenure should lead):\n{"method",-20}{string.Join("", names.Select(n => $"{n,9}"))}");
foreach (var method in methods)
{
    using var map = model.Explain(test).For(labels).Using(method).Compute();
    var means = map.abs().mean([0]).data<float>().ToArray();
    Console.WriteLine($"{method.Name,-20}{string.Join("", means.Select(m => $"{m,9:F3}"))}");
}

var report = model.Evaluate(test, labels)
    .With(Attributions.IntegratedGradients(), Attributions.FeatureAblation(), Attributions.Random())
    .Metrics(Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 1 }), Metrics.AverageDrop())
    .Run();
Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
