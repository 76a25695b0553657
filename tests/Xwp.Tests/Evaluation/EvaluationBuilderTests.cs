using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Attribution;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

public class EvaluationBuilderTests
{
    private static readonly int[] Sizes = [40, 12, 6, 4];

    private static (Fcnn Model, Tensor X, Tensor T) Setup(int rows = 7)
    {
        var model = TinyNets.RandomTrained(Sizes, 21);
        var x = TinyNets.SparseInputs(rows, Sizes[0], 22);
        var t = tensor(Enumerable.Range(0, rows).Select(i => (long)(i % 4)).ToArray());
        return (model, x, t);
    }

    [Fact]
    public void Runs_every_method_with_every_metric_and_agrees_with_scoring_the_maps_directly()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        {
            var report = model.Evaluate(x, t)
                .With(Attributions.Xwp(), Attributions.XwpComplement(), new FeatureIndexAttribution())
                .Metrics([.. Metrics.All])
                .Run();

            report.ImageCount.Should().Be(7);
            report.Methods.Should().Equal("xwp", "xwpc", "index");
            report.Metrics.Should().Equal("deletion_auc", "insertion_auc", "average_drop", "average_drop_gradcampp", "increase_in_confidence");
            report.Results.Should().HaveCount(15);

            using var map = model.Explain(x).For(t).Using(Attributions.XwpComplement()).Compute();
            foreach (var metric in Metrics.All)
            {
                var direct = metric.Score(model, x, t, map);
                report["xwpc", metric.Name].Values.Should().Equal(direct.Values, (a, e) => Math.Abs(a - e) < 1e-6 || (double.IsNaN(a) && double.IsNaN(e)));
            }

            report["xwp", "deletion_auc"].Curves.Should().HaveCount(7);
            report["xwp", "average_drop"].Curves.Should().BeNull();
        }
    }

    [Fact]
    public void Results_do_not_depend_on_the_batch_size()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        {
            EvaluationReport Run(int batch) => model.Evaluate(x, t)
                .With(Attributions.Xwp(), new FeatureIndexAttribution())
                .Metrics([.. Metrics.All])
                .WithOptions(new EvaluationOptions { BatchSize = batch, AttributionBatchSize = batch })
                .Run();

            var reference = Run(1);
            foreach (var batch in new[] { 2, 3, 128 })
            {
                var other = Run(batch);
                foreach (var (a, b) in reference.Results.Zip(other.Results))
                {
                    a.Values.Should().Equal(b.Values, (p, q) => Math.Abs(p - q) < 1e-6, $"{a.Method} {a.Metric} batch {batch}");
                    if (a.Curves is not null)
                    {
                        a.Curves.Zip(b.Curves!).Should().OnlyContain(c => c.First.Zip(c.Second).All(v => Math.Abs(v.First - v.Second) < 1e-6));
                    }
                }
            }
        }
    }

    [Fact]
    public void Maps_from_a_file_are_scored_like_a_method_and_the_limit_takes_the_first_rows()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        {
            using var map = model.Explain(x).For(t).Using(Attributions.Xwp()).Compute();
            var report = model.Evaluate(x, t)
                .With(Attributions.Xwp())
                .WithMaps("mine", map)
                .Metrics(Metrics.DeletionAuc(), Metrics.AverageDrop())
                .WithLimit(5)
                .Run();

            report.ImageCount.Should().Be(5);
            report["mine", "deletion_auc"].Values.Should().HaveCount(5).And.Equal(report["xwp", "deletion_auc"].Values);
            report.Compare("mine", "xwp", "deletion_auc").NonZeroPairs.Should().Be(0);
        }
    }

    [Fact]
    public void Without_targets_the_predicted_class_is_explained()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        using (var predicted = model.Predict(x))
        {
            var a = model.Evaluate(x).With(Attributions.Xwp()).Run();
            var b = model.Evaluate(x, predicted).With(Attributions.Xwp()).Run();
            a.Metrics.Should().Equal("average_drop", "deletion_auc"); // the paper's metrics by default
            a["xwp", "deletion_auc"].Values.Should().Equal(b["xwp", "deletion_auc"].Values);
        }
    }

    [Fact]
    public void Progress_is_reported_per_batch_and_cancellation_stops_the_run()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        {
            var reports = new List<EvaluationProgress>();
            model.Evaluate(x, t).With(Attributions.Xwp(), new FeatureIndexAttribution())
                .WithOptions(new EvaluationOptions { BatchSize = 3, AttributionBatchSize = 4 })
                .WithProgress(new Collect(reports))
                .Run();

            reports.Where(r => r.Method == "xwp" && r.Stage == EvaluationStage.Attributing).Select(r => r.Done).Should().Equal(4, 7);
            reports.Where(r => r.Method == "index" && r.Stage == EvaluationStage.Scoring).Select(r => r.Done).Should().Equal(3, 6, 7);
            reports.Should().OnlyContain(r => r.Total == 7 && r.MethodCount == 2);

            using var source = new CancellationTokenSource();
            source.Cancel();
            var act = () => model.Evaluate(x, t).With(Attributions.Xwp()).WithCancellation(source.Token).Run();
            act.Should().Throw<OperationCanceledException>();
        }
    }

    [Fact]
    public void Repeated_runs_leak_no_tensors()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        using (var map = rand(7, Sizes[0]))
        {
            EvaluationReport Run() => model.Evaluate(x, t).With(Attributions.Xwp()).WithMaps("mine", map).Metrics([.. Metrics.All])
                .WithOptions(new EvaluationOptions { BatchSize = 3 }).Run();
            Run();
            var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Run();
            Run();
            Metrics.DeletionAuc(new CurveMetricOptions { Algorithm = CurveAlgorithm.Masked }).Score(model, x, t, map, batchSize: 2);
            DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        }
    }

    [Fact]
    public void Inputs_and_maps_are_not_modified()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        using (var map = randn(7, Sizes[0]))
        using (var xCopy = x.clone())
        using (var mapCopy = map.clone())
        {
            model.Evaluate(x, t).WithMaps("mine", map).Metrics([.. Metrics.All]).Run();
            TensorAssert.Identical(x, xCopy);
            TensorAssert.Identical(map, mapCopy);
        }
    }

    [Fact]
    public void Mistakes_are_reported_before_any_work()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        using (var wrong = rand(7, 5))
        {
            ((Action)(() => model.Evaluate(x, t).Run())).Should().Throw<InvalidOperationException>().WithMessage("*at least one method*");
            ((Action)(() => model.Evaluate(x, t).With(Attributions.Xwp(), Attributions.Xwp()))).Should().Throw<ArgumentException>().WithMessage("*'xwp' was already added*");
            ((Action)(() => model.Evaluate(x, t).Metrics(Metrics.DeletionAuc(), Metrics.DeletionAuc()))).Should().Throw<ArgumentException>().WithMessage("*deletion_auc*");
            ((Action)(() => model.Evaluate(x, t).WithMaps("m", wrong))).Should().Throw<ArgumentException>().WithMessage("*[7, 40]*[7, 5]*");
            ((Action)(() => model.Evaluate(x, t).WithOptions(new EvaluationOptions { BatchSize = 0 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("BatchSize");
            ((Action)(() => model.Evaluate(x, t).WithOptions(new EvaluationOptions { ConfidenceLevel = 1 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("ConfidenceLevel");
            ((Action)(() => model.Evaluate(x, t).WithLimit(0))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("Limit");

            using var badTargets = tensor(new long[] { 0, 1 });
            ((Action)(() => model.Evaluate(x, badTargets).With(Attributions.Xwp()).Run())).Should().Throw<ArgumentException>().And.ParamName.Should().Be("targets");
            var badRemoval = Metrics.AverageDrop(new AverageDropOptions { RemovalValue = RemovalValue.PerFeature([1f, 2f]) });
            ((Action)(() => model.Evaluate(x, t).With(Attributions.Xwp()).Metrics(badRemoval).Run())).Should().Throw<ArgumentException>().And.ParamName.Should().Be("RemovalValue");
        }
    }

    [Fact]
    public void A_non_finite_map_is_reported_as_the_map_not_as_the_inputs()
    {
        var (model, x, t) = Setup();
        using (model)
        using (x)
        using (t)
        using (var maps = zeros(7, 40))
        {
            maps[3, 17] = tensor(float.NaN);

            ((Action)(() => model.Evaluate(x, t).WithMaps("saliency", maps).Run())).Should().Throw<ArgumentException>()
                .WithMessage("Attribution map 'saliency' must be finite: 1 value(s) are NaN or infinite, the first at row 3, feature 17.*")
                .And.ParamName.Should().Be("maps 'saliency'");
        }
    }

    [Fact]
    public void Curve_options_are_validated_naming_the_option()
    {
        ((Action)(() => Metrics.DeletionAuc(new CurveMetricOptions { FeaturesPerStep = 0 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("FeaturesPerStep");
        ((Action)(() => Metrics.DeletionAuc(new CurveMetricOptions { StepFraction = 0 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("StepFraction");
        ((Action)(() => Metrics.InsertionAuc(new CurveMetricOptions { MaxSteps = 0 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("MaxSteps");
        ((Action)(() => Metrics.DeletionAuc(new CurveMetricOptions { MemoryBudgetBytes = 10 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("MemoryBudgetBytes");
        ((Action)(() => Metrics.DeletionAuc(new CurveMetricOptions { Algorithm = (CurveAlgorithm)9 }))).Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("Algorithm");
        ((Action)(() => RemovalValue.Of(double.NaN))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => RemovalValue.PerFeature([1f, float.PositiveInfinity]))).Should().Throw<ArgumentException>().WithMessage("*feature 1*");
    }

    /// <summary>A test double: feature i scores D − i, so the ranking is by index.</summary>
    private sealed class FeatureIndexAttribution : AttributionMethod
    {
        public override string Name => "index";

        internal override Tensor AttributeBatch(AttributionBatch batch)
        {
            var (rows, features) = (batch.Inputs.shape[0], batch.Inputs.shape[1]);
            return arange(features, 0, -1, float32, batch.Inputs.device).expand(rows, features).contiguous();
        }
    }

    private sealed class Collect(List<EvaluationProgress> list) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => list.Add(value);
    }
}
