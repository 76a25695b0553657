using FluentAssertions;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

public class ExplanationBuilderTests
{
    [Fact]
    public void Wrong_feature_count_is_rejected_with_the_shape()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = zeros(2, 4);
        var act = () => model.Explain(x).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<ArgumentException>().WithMessage("*3 features*[2, 4]*").And.ParamName.Should().Be("inputs");
    }

    [Fact]
    public void Wrong_rank_is_rejected()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = zeros(3);
        var act = () => model.Explain(x).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<ArgumentException>().WithMessage("*[N, 3]*[3]*");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_finite_inputs_are_rejected_with_their_position(float bad)
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 3, 4, bad, 6 }, [2, 3]);
        var act = () => model.Explain(x).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<ArgumentException>().WithMessage("*finite*row 1, feature 1*");
    }

    [Fact]
    public void Target_out_of_range_is_rejected()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = ones(2, 3);
        var act = () => model.Explain(x).For(0, 2).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[0, 2)*found 2*");
        var negative = () => model.Explain(x).For(-1, 0).Using(Attributions.Xwp()).Compute();
        negative.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*found -1*");
    }

    [Fact]
    public void Target_out_of_range_names_the_first_row_that_holds_one()
    {
        // Rows 2 and 4 hold classes 5 and 7 of a 2-class model; the first of them is named, and how many there are.
        using var model = TinyNets.ThreeTwoTwo();
        using var x = ones(5, 3);
        var act = () => model.Explain(x).For(0, 1, 5, 0, 7).Using(Attributions.Saliency()).Compute();
        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Class indices must lie in [0, 2); found 5 at row 2 (2 rows are out of range).*")
            .Which.ActualValue.Should().Be(5L);
        using var negative = tensor(new long[] { 0, 1, 1, -3, 0 });
        var act2 = () => model.Evaluate(x, negative).With(Attributions.Random()).Metrics(Metrics.AverageDrop()).Run();
        act2.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*found -3 at row 3.*");
    }

    [Fact]
    public void Targets_of_the_wrong_length_or_type_are_rejected()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = ones(2, 3);
        var tooFew = () => model.Explain(x).For(0).Using(Attributions.Xwp()).Compute();
        tooFew.Should().Throw<ArgumentException>().WithMessage("*[2] class indices*[1]*");
        using var floats = zeros(2);
        var wrongType = () => model.Explain(x).For(floats).Using(Attributions.Xwp()).Compute();
        wrongType.Should().Throw<ArgumentException>().WithMessage("*integer*Float32*");
    }

    [Fact]
    public void Untrained_model_is_rejected()
    {
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [3, 2, 2] });
        using var x = ones(1, 3);
        var act = () => model.Explain(x).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<InvalidOperationException>().WithMessage("*MarkTrained*");
    }

    [Fact]
    public void Disposed_model_is_rejected()
    {
        var model = TinyNets.ThreeTwoTwo();
        model.Dispose();
        using var x = ones(1, 3);
        var act = () => model.Explain(x).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Missing_method_is_rejected()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = ones(1, 3);
        var act = () => model.Explain(x).Compute();
        act.Should().Throw<InvalidOperationException>().WithMessage("*Using(...)*");
    }

    [Fact]
    public void Bad_options_are_rejected_when_the_method_is_built()
    {
        var act = () => Attributions.Xwp(new XwpOptions { MemoryBudgetBytes = 10 });
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("MemoryBudgetBytes");
        var sign = () => Attributions.XwpComplement(new XwpComplementOptions { Sign = (ComplementSign)7 });
        sign.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Sign");
        var batch = () => TinyNets.ThreeTwoTwo().Explain(ones(1, 3)).WithBatchSize(0);
        batch.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Progress_is_reported_per_batch_and_cancellation_stops_the_run()
    {
        using var model = TinyNets.RandomTrained([20, 8, 3], 1);
        using var x = TinyNets.SparseInputs(5, 20, 2);
        var reports = new List<AttributionProgress>();
        using var r = model.Explain(x).WithBatchSize(2).WithProgress(new SyncProgress<AttributionProgress>(reports.Add)).Using(Attributions.Xwp()).Compute();
        reports.Select(p => p.Done).Should().Equal(2, 4, 5);
        reports.Should().OnlyContain(p => p.Total == 5 && p.Method == "xwp");

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var act = () => model.Explain(x).WithCancellation(cts.Token).Using(Attributions.Xwp()).Compute();
        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void ComputeExplanation_returns_the_map_the_resolved_targets_and_no_diagnostics_for_xwp()
    {
        using var model = TinyNets.ThreeTwoTwo();
        using var x = tensor(new float[] { 1, 2, 0, 0, 1, 1 }, [2, 3]);
        using var explanation = model.Explain(x).Using(Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits })).ComputeExplanation();
        explanation.Method.Should().Be("xwp");
        TensorAssert.Values(explanation.Targets.to(float32)).Should().Equal(0f, 0f); // predicted: logits [5,1] and [2,0]
        explanation.Diagnostics.Should().BeEmpty();
        using var map = explanation.DetachMap();
        TensorAssert.Close(map, [2, 1, 0, 0, 1, -1], 1e-6); // image B with target 0: I = [+1, -1] flips B's signs
        var again = () => explanation.Map;
        again.Should().Throw<InvalidOperationException>();
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
