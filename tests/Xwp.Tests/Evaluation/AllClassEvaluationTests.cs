using System.Text.Json;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>
/// All-class maps <c>[N, C, …]</c> in the evaluation runner: a usual run reads <c>maps[n, target_n]</c>;
/// <c>ForAllClasses()</c> scores every class's map against that class, per class and over all (image, class) pairs.
/// </summary>
public class AllClassEvaluationTests
{
    private static readonly int[] Sizes = [40, 12, 6, 4];

    private static double S(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void Hand_computed_average_drop_reads_each_rows_target_map_or_every_class()
    {
        // ThreeTwoTwo (W = [[1, 2, 0], [0, 1, -1]], b = [0, -1], ReLU, identity); both images [1, 2, 1]: logits [5, 0].
        // Class 0's map [0.5, 0.9, 0.1] removes feature 1 (fraction 0.34 -> 1 feature): [1, 0, 1] -> h = [1, -2] -> logits [1, 0]:
        //   class 0: Y = σ(5), O = σ(1), drop (σ(5) − σ(1)) / σ(5).
        // Class 1's map [0.9, 0.1, 0.5] removes feature 0: [0, 2, 1] -> h = [4, 0] -> logits [4, 0]:
        //   class 1: Y = σ(−5), O = σ(−4) > Y, drop max(0, Y − O) / Y = 0.
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 1, 1, 2, 1 }, [2, 3]);
        using var t = tensor(new long[] { 0, 1 });
        using var maps = tensor(new float[] { 0.5f, 0.9f, 0.1f, 0.9f, 0.1f, 0.5f, 0.5f, 0.9f, 0.1f, 0.9f, 0.1f, 0.5f }, [2, 2, 3]);
        var drop = Metrics.AverageDrop(new AverageDropOptions { Fraction = 0.34 });
        var v0 = (S(5) - S(1)) / S(5);

        // Targets [0, 1]: image 0 is scored with its class-0 map, image 1 with its class-1 map.
        var usual = model.Evaluate(x, t).WithMaps("mine", maps).Metrics(drop).Run();
        usual.ClassCount.Should().BeNull();
        usual.ClassResults.Should().BeEmpty();
        usual["mine", "average_drop"].Values.Should().Equal([v0, 0], (a, e) => Math.Abs(a - e) < 1e-6);

        // Every class: pairs (0, 0), (0, 1), (1, 0), (1, 1) in that order.
        var all = model.Evaluate(x).WithMaps("mine", maps).Metrics(drop).ForAllClasses().Run();
        all.ClassCount.Should().Be(2);
        all.ImageCount.Should().Be(2);
        all["mine", "average_drop"].Values.Should().Equal([v0, 0, v0, 0], (a, e) => Math.Abs(a - e) < 1e-6);
        all["mine", "average_drop"].Mean.Should().BeApproximately(v0 / 2, 1e-6);
        all["mine", "average_drop", 0].Values.Should().Equal([v0, v0], (a, e) => Math.Abs(a - e) < 1e-6);
        all["mine", "average_drop", 0].Class.Should().Be(0);
        all["mine", "average_drop", 1].Values.Should().Equal(0, 0);
        all.ClassResults.Select(r => r.Class).Should().Equal(0, 1);
    }

    [Fact]
    public void Class_maps_with_targets_give_exactly_the_report_of_the_selected_maps()
    {
        using var model = TinyNets.RandomTrained(Sizes, 31);
        using var x = TinyNets.SparseInputs(9, Sizes[0], 32);
        using var t = tensor(new long[] { 3, 0, 1, 2, 2, 1, 0, 3, 1 });
        using var all = model.Explain(x).ForAllClasses().Using(Attributions.XwpComplement()).Compute();
        all.shape.Should().Equal(9, 4, 40);
        // The literal selection, row by row: maps[n, t_n].
        using var selected = stack(Enumerable.Range(0, 9).Select(n => all[n, t[n].item<long>()]).ToArray());
        EvaluationMetric[] metrics = [.. Metrics.All, Metrics.Sparseness(), Metrics.MaxSensitivity(Attributions.XwpComplement(), new MaxSensitivityOptions { Samples = 2 })];

        var fromAll = model.Evaluate(x, t).WithMaps("m", all).Metrics(metrics).WithOptions(new EvaluationOptions { BatchSize = 4 }).Run();
        var fromSelected = model.Evaluate(x, t).WithMaps("m", selected).Metrics(metrics).WithOptions(new EvaluationOptions { BatchSize = 4 }).Run();

        fromAll.Results.Should().HaveCount(metrics.Length);
        foreach (var (a, b) in fromAll.Results.Zip(fromSelected.Results))
        {
            a.Values.Should().Equal(b.Values, a.Metric);
            a.Statistics.Should().Be(b.Statistics, a.Metric);
            if (a.Curves is not null)
            {
                a.Curves.Zip(b.Curves!).Should().OnlyContain(c => c.First.SequenceEqual(c.Second));
            }
        }

        fromAll.ToJson().Should().Be(fromSelected.ToJson());
        fromAll.ToCsv().Should().Be(fromSelected.ToCsv());

        // Without targets the predicted class's map is read.
        using var predicted = model.Predict(x);
        using var atPredicted = stack(Enumerable.Range(0, 9).Select(n => all[n, predicted[n].item<long>()]).ToArray());
        model.Evaluate(x).WithMaps("m", all).Metrics(Metrics.DeletionAuc()).Run()["m", "deletion_auc"].Values
            .Should().Equal(model.Evaluate(x, predicted).WithMaps("m", atPredicted).Metrics(Metrics.DeletionAuc()).Run()["m", "deletion_auc"].Values);
    }

    [Fact]
    public void Scoring_progress_of_an_all_classes_run_counts_image_class_pairs()
    {
        using var model = TinyNets.RandomTrained(Sizes, 81);
        using var x = TinyNets.SparseInputs(5, Sizes[0], 82);
        var reports = new List<EvaluationProgress>();
        model.Evaluate(x).With(Attributions.Xwp()).Metrics(Metrics.AverageDrop())
            .WithOptions(new EvaluationOptions { BatchSize = 3, AttributionBatchSize = 4 })
            .WithProgress(new Collect(reports))
            .ForAllClasses()
            .Run();

        // Attributing: 5 images in batches of 4. Scoring: per class c, batches of 3 of the 5 images, counted over 5·4 = 20 pairs.
        reports.Where(r => r.Stage == EvaluationStage.Attributing).Select(r => (r.Done, r.Total)).Should().Equal((4, 5), (5, 5));
        reports.Where(r => r.Stage == EvaluationStage.Scoring).Select(r => r.Done).Should().Equal(3, 5, 8, 10, 13, 15, 18, 20);
        reports.Where(r => r.Stage == EvaluationStage.Scoring).Should().OnlyContain(r => r.Total == 20);
    }

    private sealed class Collect(List<EvaluationProgress> list) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => list.Add(value);
    }

    [Fact]
    public void Each_class_of_an_all_classes_run_equals_a_usual_run_with_every_target_that_class()
    {
        using var model = TinyNets.RandomTrained(Sizes, 41);
        using var x = TinyNets.SparseInputs(7, Sizes[0], 42);
        using var maps = model.Explain(x).ForAllClasses().Using(Attributions.Xwp()).Compute();
        EvaluationMetric[] metrics = [.. Metrics.All, Metrics.MaxSensitivity(Attributions.Xwp(), new MaxSensitivityOptions { Samples = 2 })];
        var options = new EvaluationOptions { BatchSize = 3, AttributionBatchSize = 5 };

        var report = model.Evaluate(x)
            .With(Attributions.Xwp())
            .WithMaps("given", maps)
            .Metrics(metrics)
            .WithOptions(options)
            .ForAllClasses()
            .Run();

        report.ClassCount.Should().Be(4);
        report.Results.Should().HaveCount(2 * metrics.Length);
        report.ClassResults.Should().HaveCount(2 * metrics.Length * 4);
        for (var c = 0; c < 4; c++)
        {
            using var targets = full(7, c, dtype: int64);
            using var classMaps = maps.select(1, c).contiguous();
            // The literal path: a usual run whose targets are all c, on the class-c maps and on the method For(c).
            var literal = model.Evaluate(x, targets).WithMaps("given", classMaps).With(Attributions.Xwp()).Metrics(metrics).WithOptions(options).Run();
            foreach (var metric in metrics)
            {
                var perClass = report["given", metric.Name, c];
                perClass.Values.Should().Equal(literal["given", metric.Name].Values, $"{metric.Name} class {c}");
                perClass.Statistics.Should().Be(literal["given", metric.Name].Statistics);
                // XWP's all-class fast path and its one-class path agree to float rounding.
                report["xwp", metric.Name, c].Values.Should().Equal(literal["xwp", metric.Name].Values, (a, e) => Math.Abs(a - e) < 1e-5, $"xwp {metric.Name} class {c}");
                for (var n = 0; n < 7; n++)
                {
                    report["given", metric.Name].Values[(n * 4) + c].Should().Be(perClass.Values[n]);
                }

                if (perClass.Curves is not null)
                {
                    perClass.Curves.Zip(literal["given", metric.Name].Curves!).Should().OnlyContain(p => p.First.SequenceEqual(p.Second));
                    report["given", metric.Name].Curves![(3 * 4) + c].Should().Equal(perClass.Curves[3]);
                }
            }
        }

        var overall = report["given", "deletion_auc"];
        overall.Values.Should().HaveCount(28);
        overall.Mean.Should().BeApproximately(report.ClassResults.Where(r => r.Method == "given" && r.Metric == "deletion_auc").Average(r => r.Mean), 1e-12);
        overall.Statistics.Count.Should().Be(28);
        report.Compare("given", "xwp", "deletion_auc").Pairs.Should().Be(28);
    }

    [Fact]
    public void Renderings_carry_the_per_class_results()
    {
        using var model = TinyNets.RandomTrained([10, 5, 3], 51);
        using var x = TinyNets.SparseInputs(4, 10, 52);
        var report = model.Evaluate(x).With(Attributions.Xwp()).Metrics(Metrics.DeletionAuc(), Metrics.AverageDrop()).ForAllClasses().Run();

        using var json = JsonDocument.Parse(report.ToJson(includeValues: true));
        json.RootElement.GetProperty("images").GetInt32().Should().Be(4);
        json.RootElement.GetProperty("classes").GetInt32().Should().Be(3);
        json.RootElement.GetProperty("pairs").GetInt32().Should().Be(12);
        var deletion = json.RootElement.GetProperty("methods").GetProperty("xwp").GetProperty("deletion_auc");
        deletion.GetProperty("n").GetInt32().Should().Be(12);
        deletion.GetProperty("values").GetArrayLength().Should().Be(12);
        var perClass = deletion.GetProperty("per_class").EnumerateArray().ToArray();
        perClass.Select(e => e.GetProperty("class").GetInt32()).Should().Equal(0, 1, 2);
        for (var c = 0; c < 3; c++)
        {
            perClass[c].GetProperty("mean").GetDouble().Should().Be(report["xwp", "deletion_auc", c].Mean);
            perClass[c].GetProperty("ci95").GetArrayLength().Should().Be(2);
            perClass[c].GetProperty("n").GetInt32().Should().Be(4);
            perClass[c].GetProperty("values").GetArrayLength().Should().Be(4);
        }

        using var method = JsonDocument.Parse(report.ToJson("xwp"));
        method.RootElement.GetProperty("average_drop").GetProperty("per_class").GetArrayLength().Should().Be(3);

        var csv = report.ToCsv().TrimEnd('\n').Split('\n');
        csv[0].Should().EndWith(",settings,class");
        csv.Should().HaveCount(1 + 2 + (2 * 3));
        csv[1].Should().StartWith("xwp,deletion_auc,").And.EndWith(",all");
        csv.Count(line => line.StartsWith("xwp,average_drop,", StringComparison.Ordinal) && line.EndsWith(",2", StringComparison.Ordinal)).Should().Be(1);

        var markdown = report.ToMarkdown();
        markdown.Should().Contain("4 images × 3 classes = 12 (image, class) pairs");
        markdown.Should().Contain("| method | class | Deletion AUC ↓ | Average Drop (removal) ↑ |");
        markdown.Should().Contain("| xwp | 2 |");

        var usual = model.Evaluate(x).With(Attributions.Xwp()).Metrics(Metrics.DeletionAuc()).Run();
        usual.ToJson().Should().NotContain("per_class").And.NotContain("\"classes\"");
        usual.ToCsv().Split('\n')[0].Should().Be("method,metric,direction,n,excluded,mean,std,ci_low,ci_high,confidence_level,settings");
        usual.ToMarkdown().Should().NotContain("Per class");
        ((Func<MetricResult>)(() => usual["xwp", "deletion_auc", 0])).Should().Throw<KeyNotFoundException>().WithMessage("*ForAllClasses*");
        ((Func<MetricResult>)(() => report["xwp", "deletion_auc", 3])).Should().Throw<KeyNotFoundException>().WithMessage("*classes 0 to 2*");
    }

    [Fact]
    public void A_single_output_model_has_one_class_and_takes_maps_with_or_without_the_class_axis()
    {
        // f(x) = x·[1, −2, 3] + 0.5, returned as [N]: C = 1, every target 0.
        using var w = tensor(new float[] { 1, -2, 3 });
        var model = ExplainableModel.FromFunction(t => t.matmul(w).add(0.5));
        using var x = tensor(new float[] { 1, 1, 1, 2, 0, -1, 0.5f, 1, 2 }, [3, 3]);
        using var maps = x.mul(w);
        using var withAxis = maps.unsqueeze(1);

        var usual = model.Evaluate(x).WithMaps("plain", maps).WithMaps("axis", withAxis).Metrics(Metrics.DeletionAuc()).Run();
        var all = model.Evaluate(x).WithMaps("plain", maps).WithMaps("axis", withAxis).With(Attributions.InputXGradient()).Metrics(Metrics.DeletionAuc()).ForAllClasses().Run();

        all.ClassCount.Should().Be(1);
        usual["axis", "deletion_auc"].Values.Should().Equal(usual["plain", "deletion_auc"].Values);
        all["plain", "deletion_auc"].Values.Should().Equal(usual["plain", "deletion_auc"].Values);
        all["axis", "deletion_auc", 0].Values.Should().Equal(usual["plain", "deletion_auc"].Values);
        // Input×Gradient of this linear model is x_i·w_i, the maps given.
        all["inputxgradient", "deletion_auc"].Values.Should().Equal(usual["plain", "deletion_auc"].Values, (a, e) => Math.Abs(a - e) < 1e-6);
    }

    [Fact]
    public void Maps_of_neither_shape_and_mismatched_modes_are_refused_naming_both_shapes()
    {
        using var model = TinyNets.RandomTrained(Sizes, 61);
        using var x = TinyNets.SparseInputs(7, Sizes[0], 62);
        using var t = tensor(new long[] { 0, 1, 2, 3, 0, 1, 2 });
        using var wrongFeatures = rand(7, 41);
        using var wrongRows = rand(7, 4, 39);
        using var wrongClasses = rand(7, 5, 40);
        using var plain = rand(7, 40);
        using var perClass = rand(7, 4, 40);

        ((Action)(() => model.Evaluate(x, t).WithMaps("m", wrongFeatures))).Should().Throw<ArgumentException>()
            .WithMessage("Expected floating-point maps of the inputs' shape [7, 40], or [7, C, 40] with one map per class (C = the model's classes), got Float32 [7, 41].*");
        ((Action)(() => model.Evaluate(x, t).WithMaps("m", wrongRows))).Should().Throw<ArgumentException>().WithMessage("*[7, 40]*[7, C, 40]*[7, 4, 39]*");
        using (var ints = zeros([7, 4, 40], int32))
        {
            ((Action)(() => model.Evaluate(x, t).WithMaps("m", ints))).Should().Throw<ArgumentException>().WithMessage("*Int32 [7, 4, 40]*");
        }

        ((Action)(() => model.Evaluate(x, t).WithMaps("m", wrongClasses).Run())).Should().Throw<ArgumentException>()
            .WithMessage("The maps 'm' are [7, 5, 40]: 5 maps per image, but the model has 4 class(es). Expected [7, 4, 40] (one map per class) or the inputs' shape [7, 40].*")
            .And.ParamName.Should().Be("maps 'm'");
        ((Action)(() => model.Evaluate(x).WithMaps("m", plain).ForAllClasses().Run())).Should().Throw<ArgumentException>()
            .WithMessage("*needs one map per class, [7, 4, 40]; the maps 'm' are [7, 40]*");
        ((Action)(() => model.Evaluate(x, t).ForAllClasses())).Should().Throw<InvalidOperationException>().WithMessage("*model.Evaluate(inputs)*");

        // Row 5's target is class 1: a NaN in its class-2 map is never read for one target per image, but
        // every map is scored by ForAllClasses(); a NaN in its class-1 map is scored either way.
        perClass[5, 2, 11] = tensor(float.NaN);
        model.Evaluate(x, t).WithMaps("m", perClass).Metrics(Metrics.Sparseness()).Run().ImageCount.Should().Be(7);
        ((Action)(() => model.Evaluate(x).WithMaps("m", perClass).ForAllClasses().Run())).Should().Throw<ArgumentException>()
            .WithMessage("Attribution map 'm' must be finite: 1 value(s) are NaN or infinite, the first at row 5, class 2, feature 11*");
        perClass[5, 1, 11] = tensor(float.NaN);
        ((Action)(() => model.Evaluate(x, t).WithMaps("m", perClass).Run())).Should().Throw<ArgumentException>()
            .WithMessage("Attribution map 'm' must be finite where it is scored: 1 value(s) of the targets' maps are NaN or infinite, the first at row 5, class 1 (its target), feature 11*")
            .And.ParamName.Should().Be("maps 'm'");
        // The limit skips the bad row, as it does for [N, …] maps.
        model.Evaluate(x, t).WithMaps("m", perClass).Metrics(Metrics.Sparseness()).WithLimit(5).Run().ImageCount.Should().Be(5);
    }

    [Fact]
    public void All_class_runs_leak_no_tensors_and_leave_the_maps_alone()
    {
        using var model = TinyNets.RandomTrained(Sizes, 71);
        using var x = TinyNets.SparseInputs(5, Sizes[0], 72);
        using var t = tensor(new long[] { 0, 1, 2, 3, 0 });
        using var maps = randn(5, 4, 40);
        using var copy = maps.clone();
        void Run()
        {
            model.Evaluate(x).With(Attributions.Xwp()).WithMaps("m", maps).Metrics([.. Metrics.All]).WithOptions(new EvaluationOptions { BatchSize = 2 }).ForAllClasses().Run();
            model.Evaluate(x, t).WithMaps("m", maps).Metrics([.. Metrics.All]).Run();
        }

        Run();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Run();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        TensorAssert.Identical(maps, copy);
    }
}
