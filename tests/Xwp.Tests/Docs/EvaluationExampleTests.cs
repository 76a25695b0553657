using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Docs;

/// <summary>
/// The README's evaluation example, compiled and run. The regions between "README: name" and
/// "README: end" are the snippets; the variable names match the quick start (model, testX, testY).
/// </summary>
public sealed class EvaluationExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-readme-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Evaluating_two_methods_and_printing_the_table()
    {
        using var model = TinyNets.RandomTrained([784, 32, 2], 42, noise: 0.2);
        using var testX = TinyNets.SparseInputs(24, 784, 2);
        using var testY = model.Predict(testX);
        using var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        var outDir = _dir;
        try
        {
            // README: evaluate
            var report = model.Evaluate(testX, testY)
                .With(Attributions.Xwp(), Attributions.XwpComplement())
                .Metrics(Metrics.DeletionAuc(), Metrics.AverageDrop())
                .Run();
            Console.WriteLine(report.ToMarkdown());                           // | method | Deletion AUC ↓ | Average Drop (removal) ↑ |
            Console.WriteLine(report.Compare("xwpc", "xwp", "deletion_auc")); // paired Wilcoxon test: is the difference real?
            File.WriteAllText(Path.Combine(outDir, "table.csv"), report.ToCsv()); // also ToJson(); every curve: report["xwp", "deletion_auc"].Curves
            // README: end

            report.Results.Should().HaveCount(4);
            report["xwpc", "deletion_auc"].Curves.Should().HaveCount(24);
        }
        finally
        {
            Console.SetOut(console);
        }

        var text = output.ToString();
        text.Should().Contain("| method | Deletion AUC ↓ | Average Drop (removal) ↑ |").And.Contain("| xwp |").And.Contain("| xwpc |");
        text.Should().Contain("Wilcoxon signed-rank p =");
    }

    [Fact]
    public void Scoring_every_class()
    {
        using var model = TinyNets.RandomTrained([784, 32, 3], 43, noise: 0.2);
        using var testX = TinyNets.SparseInputs(6, 784, 4);
        using var testY = model.Predict(testX);
        using var allClassMaps = model.Explain(testX).ForAllClasses().Using(Attributions.Xwp()).Compute(); // [6, 3, 784]
        using var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            // README: evaluate-all-classes
            var byTarget = model.Evaluate(testX, testY)
                .WithMaps("mine", allClassMaps)                  // [N, C, D]: image n is scored with allClassMaps[n, testY[n]]
                .Run();
            var everyClass = model.Evaluate(testX)               // no targets: every class is scored
                .With(Attributions.Xwp())                        // all classes from the same perturbed passes
                .WithMaps("mine", allClassMaps)
                .Metrics(Metrics.DeletionAuc())
                .ForAllClasses()
                .Run();
            Console.WriteLine(everyClass["xwp", "deletion_auc"].Mean);    // over all N·C (image, class) pairs
            Console.WriteLine(everyClass["xwp", "deletion_auc", 1].Mean); // class 1's maps against class 1's output
            Console.WriteLine(everyClass.ToMarkdown());                   // one table over the pairs, one row per (method, class)
            // README: end

            byTarget["mine", "deletion_auc"].Values.Should().HaveCount(6);
            everyClass.ClassCount.Should().Be(3);
            everyClass["mine", "deletion_auc"].Values.Should().HaveCount(18);
            everyClass["xwp", "deletion_auc", 1].Values.Should().Equal(everyClass["mine", "deletion_auc", 1].Values, (a, e) => Math.Abs(a - e) < 1e-6);
        }
        finally
        {
            Console.SetOut(console);
        }

        output.ToString().Should().Contain("| method | class | Deletion AUC ↓ |").And.Contain("| xwp | 2 |");
    }

    [Fact]
    public void Scoring_maps_from_a_file()
    {
        using var model = TinyNets.RandomTrained([784, 32, 2], 42, noise: 0.2);
        using var testX = TinyNets.SparseInputs(8, 784, 3);
        using var testY = model.Predict(testX);
        var mapsPath = Path.Combine(_dir, "A.npy");
        using (var maps = testX.abs())
        {
            NpyFile.Write(mapsPath, maps);
        }

        // README: score-maps
        using Tensor mine = NpyFile.ReadFloat32Matrix(mapsPath); // [N, D] maps from any tool
        MetricResult deletion = Metrics.DeletionAuc().Score(model, testX, testY, mine);
        Console.WriteLine($"Deletion AUC {deletion.Mean:F3} {deletion.Statistics.Interval}, {deletion.Settings["steps"]} steps");
        // README: end

        deletion.Values.Should().HaveCount(8);
        deletion.Curves![0].Should().HaveCount(101);
    }
}
