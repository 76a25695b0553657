// A tabular MLP with BatchNorm and Dropout and one output (a binary logit), trained by your own loop, explained
// with XWP (its first-layer weights captured before training) and Integrated Gradients, with a bar chart.
// Usage: dotnet run --project samples/Xwp.TabularMlp [-- CHART.png]
using TorchSharp;
using Xwp;
using Xwp.Plotting;
using static TorchSharp.torch;

XwpRuntime.Threads = 2;
string[] names = ["age", "income", "debt", "tenure", "visits", "noise1", "noise2", "noise3"];
var chart = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "xwp-tabular-attributions.png");

// The label depends on income, debt and tenure only: y = [income − debt + 0.5·tenure > 0].
using var g = new Generator(1);
var x = randn([2000, 8], generator: g);
var y = x[.., 1].sub(x[.., 2]).add(x[.., 3].mul(0.5)).gt(0).to(float32).unsqueeze(1);

manual_seed(2);
var mlp = nn.Sequential(
    ("fc1", nn.Linear(8, 32)), ("bn", nn.BatchNorm1d(32)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("logit", nn.Linear(32, 1)));
using var initial = FirstLayerSnapshot.Capture(mlp);   // fc1.weight before the first step: XWP's θ⁰
var optimizer = optim.Adam(mlp.parameters(), lr: 0.01);
mlp.train();
for (var epoch = 0; epoch < 5; epoch++)
{
    for (var start = 0; start < 2000; start += 100)
    {
        using var step = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.binary_cross_entropy_with_logits(mlp.call(x.narrow(0, start, 100)), y.narrow(0, start, 100));
        loss.backward();
        optimizer.step();
    }
}

var test = x.narrow(0, 0, 200);
using (no_grad())
{
    mlp.eval();
    var accuracy = mlp.call(test).gt(0).to(float32).eq(y.narrow(0, 0, 200)).to(float32).mean().item<float>();
    Console.WriteLine($"Accuracy on the first 200 rows: {accuracy:P1}");
}

// One output: no targets; XWP and IG measure the raw logit (its softmax would always be 1).
using var model = XwpModel.FromModule(mlp, initial);
var results = new List<KeyValuePair<string, double[]>>();
Console.WriteLine($"\nMean attribution per feature (towards the positive class; income, tenure > 0, debt < 0 expected):\n{"method",-8}{string.Join("", names.Select(n => $"{n,9}"))}");
foreach (var (label, method) in new[] { ("XWP", Attributions.Xwp()), ("IG", Attributions.IntegratedGradients()) })
{
    // Attribution times the sign of the input: positive when the feature pushes the logit up through its value.
    using var map = model.Explain(test).Using(method).Compute();
    var means = map.mul(test.sign()).mean([0]).data<float>().Select(v => (double)v).ToArray();
    results.Add(new(label, means));
    Console.WriteLine($"{label,-8}{string.Join("", means.Select(m => $"{m,9:F3}"))}");
}

FeatureBarChart.SavePng(chart, names, results, "Binary MLP, 200 rows", "mean attribution × sign(input)");
Console.WriteLine($"\nWrote the bar chart to {chart}.");
