using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

/// <summary>Tests of <see cref="Fcnn.Train"/> and the training loop behind it, and of <see cref="TrainingOptions"/>.</summary>
public class TrainerTests
{
    private static readonly int[] Sizes = [20, 16, 2];

    /// <summary>
    /// 512 standard-normal points in 20-D labelled by a linear rule: class 1 where x·w > 0, w = (1, -1, 1, -1, …).
    /// Linearly separable with balanced classes.
    /// </summary>
    private static (Tensor X, Tensor Y) Problem(int rows = 512)
    {
        using var scope = NewDisposeScope();
        var x = ModelFixtures.Normal(rows, 20, 101);
        var w = tensor(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 1f : -1f).ToArray());
        var y = x.matmul(w).gt(0).to(int64);
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    private static Fcnn NewModel(long seed = 5) => Fcnn.Create(new FcnnOptions { LayerSizes = Sizes, Seed = seed });

    private static readonly TrainingOptions Quick = new() { Epochs = 5, BatchSize = 32, LearningRate = 0.01, Seed = 9 };

    [Fact]
    public void Training_on_a_separable_problem_reaches_high_accuracy_and_lowers_the_loss()
    {
        var (x, y) = Problem();
        using var _x = x;
        using var _y = y;
        using var model = NewModel();
        using (var classOne = y.sum())
        {
            classOne.item<long>().Should().BeInRange(200, 312, "the rule splits the data roughly in half");
        }

        var report = model.Train(x, y, Quick);

        model.IsTrained.Should().BeTrue();
        report.EpochLoss.Should().HaveCount(5);
        report.EpochAccuracy.Should().HaveCount(5);
        report.EpochLoss[^1].Should().BeLessThan(0.5 * report.EpochLoss[0], "the loss falls during training");
        report.EpochLoss[0].Should().BeLessThan(0.75, "it starts near ln 2 ≈ 0.69 and falls within the first epoch");
        report.EpochAccuracy[^1].Should().BeGreaterThan(0.9);
        report.Elapsed.Should().BePositive();
        model.Accuracy(x, y).Should().BeGreaterThan(0.9, "the trained snapshot θ classifies the training set");
    }

    [Fact]
    public void Same_seeds_give_bit_identical_trained_weights_and_another_shuffle_seed_different_ones()
    {
        var (x, y) = Problem(256);
        using var _x = x;
        using var _y = y;
        using var a = NewModel();
        using var b = NewModel();
        using var c = NewModel();
        var options = Quick with { Epochs = 2 };

        var ra = a.Train(x, y, options);
        var rb = b.Train(x, y, options);
        c.Train(x, y, options with { Seed = 10 });

        a.Trained.BitwiseEquals(b.Trained).Should().BeTrue();
        ra.EpochLoss.Should().Equal(rb.EpochLoss);
        a.Trained.BitwiseEquals(c.Trained).Should().BeFalse("another shuffling order gives other batches");
    }

    [Fact]
    public void Training_leaves_the_initial_snapshot_untouched()
    {
        var (x, y) = Problem(128);
        using var _x = x;
        using var _y = y;
        using var trained = NewModel();
        using var untouched = NewModel();

        trained.Train(x, y, Quick with { Epochs = 1 });

        trained.Initial.BitwiseEquals(untouched.Initial).Should().BeTrue("θ⁰ is a copy taken at creation");
        trained.Trained.BitwiseEquals(trained.Initial).Should().BeFalse("training moved the weights");
        var live = trained.Module.parameters().ToList();
        TensorAssert.Identical(live[0], trained.Trained.Weights[0]);
        TensorAssert.Values(live[0]).Should().NotEqual(TensorAssert.Values(trained.Initial.Weights[0]));
    }

    [Fact]
    public void Progress_is_reported_after_every_batch_of_every_epoch()
    {
        // 250 rows in batches of 100: 3 batches per epoch, the last one of 50.
        var (x, y) = Problem(250);
        using var _x = x;
        using var _y = y;
        using var model = NewModel();
        var reports = new List<TrainingProgress>();

        model.Train(x, y, Quick with { Epochs = 2, BatchSize = 100 }, new SyncProgress<TrainingProgress>(reports.Add));

        reports.Should().HaveCount(2 * 3);
        reports.Select(r => (r.Epoch, r.Batch)).Should().Equal((1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3));
        reports.Should().OnlyContain(r => r.Epochs == 2 && r.Batches == 3);
        reports[^1].Batch.Should().Be(reports[^1].Batches);
        reports.Should().OnlyContain(r => r.Loss > 0 && double.IsFinite(r.Loss) && r.Accuracy >= 0 && r.Accuracy <= 1);
    }

    [Fact]
    public void A_token_cancelled_in_the_progress_callback_stops_training_without_capturing_theta()
    {
        var (x, y) = Problem(256);
        using var _x = x;
        using var _y = y;
        using var model = NewModel();
        using var cts = new CancellationTokenSource();
        var reports = 0;
        var progress = new SyncProgress<TrainingProgress>(r =>
        {
            reports++;
            if (r.Epoch == 1 && r.Batch == 2)
            {
                cts.Cancel();
            }
        });

        model.Invoking(m => m.Train(x, y, Quick, progress, cts.Token)).Should().Throw<OperationCanceledException>();

        reports.Should().Be(2, "the token is checked before each batch");
        model.IsTrained.Should().BeFalse();
        model.Module.training.Should().BeFalse("the module is put back in eval mode");
    }

    [Fact]
    public void An_already_cancelled_token_throws_before_any_step()
    {
        var (x, y) = Problem(64);
        using var _x = x;
        using var _y = y;
        using var model = NewModel();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        model.Invoking(m => m.Train(x, y, Quick, null, cts.Token)).Should().Throw<OperationCanceledException>();

        model.IsTrained.Should().BeFalse();
        var live = model.Module.parameters().ToList();
        TensorAssert.Identical(live[0], model.Initial.Weights[0]);
    }

    [Fact]
    public void Bad_inputs_and_labels_are_rejected_before_training()
    {
        using var model = NewModel();
        using var x = ModelFixtures.Normal(8, 20, 1);
        using var wide = zeros(8, 21);
        using var rank3 = zeros(8, 20, 1);
        using var nan = OneValue(3, 7, float.NaN);
        using var inf = OneValue(5, 0, float.NegativeInfinity);
        using var intInputs = zeros(new long[] { 8, 20 }, dtype: int64);
        using var labels = zeros(new long[] { 8 }, dtype: int64);
        using var shortLabels = zeros(new long[] { 7 }, dtype: int64);
        using var matrixLabels = zeros(new long[] { 8, 1 }, dtype: int64);
        using var floatLabels = zeros(8);
        using var tooBig = tensor(new long[] { 0, 1, 0, 2, 0, 1, 0, 1 });
        using var negative = tensor(new long[] { 0, 1, 0, -1, 0, 1, 0, 1 });

        model.Invoking(m => m.Train(wide, labels)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "inputs").WithMessage("*20 features*[8, 21]*");
        model.Invoking(m => m.Train(rank3, labels)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "inputs");
        model.Invoking(m => m.Train(nan, labels)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "inputs").WithMessage("*finite*row 3, feature 7*");
        model.Invoking(m => m.Train(inf, labels)).Should().Throw<ArgumentException>().WithMessage("*finite*row 5, feature 0*");
        model.Invoking(m => m.Train(intInputs, labels)).Should().Throw<ArgumentException>().WithMessage("*floating-point*");
        model.Invoking(m => m.Train(x, shortLabels)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "labels").WithMessage("*[8]*[7]*");
        model.Invoking(m => m.Train(x, matrixLabels)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "labels");
        model.Invoking(m => m.Train(x, floatLabels)).Should().Throw<ArgumentException>().WithMessage("*integer*");
        model.Invoking(m => m.Train(x, tooBig)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "labels").WithMessage("*[0, 2)*found 2*");
        model.Invoking(m => m.Train(x, negative)).Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "labels").WithMessage("*found -1*");

        model.IsTrained.Should().BeFalse();
        var live = model.Module.parameters().ToList();
        TensorAssert.Identical(live[0], model.Initial.Weights[0]);
    }

    [Fact]
    public void Training_does_not_modify_its_arguments()
    {
        var (x, y) = Problem(64);
        using var _x = x;
        using var _y = y;
        using var xCopy = x.clone();
        using var yCopy = y.clone();
        using var model = NewModel();

        model.Train(x, y, Quick with { Epochs = 1 });

        TensorAssert.Identical(x, xCopy);
        TensorAssert.Identical(y, yCopy);
        x.IsInvalid.Should().BeFalse();
        y.IsInvalid.Should().BeFalse();
    }

    [Fact]
    public void Training_leaks_no_tensors()
    {
        var (x, y) = Problem(64);
        using var _x = x;
        using var _y = y;
        using var model = NewModel();
        var options = Quick with { Epochs = 1 };
        model.Train(x, y, options);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        model.Train(x, y, options);
        model.Train(x, y, options);

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    /// <summary>Zeros <c>[8, 20]</c> except one value.</summary>
    private static Tensor OneValue(int row, int column, float value)
    {
        var data = new float[8 * 20];
        data[(row * 20) + column] = value;
        return tensor(data, [8, 20]);
    }

    // ---------------------------------------------------------------- options

    [Fact]
    public void Training_options_default_to_10_epochs_batches_of_128_and_a_learning_rate_of_1e_3()
    {
        var options = new TrainingOptions();
        options.Epochs.Should().Be(10);
        options.BatchSize.Should().Be(128);
        options.LearningRate.Should().Be(1e-3);
        options.Seed.Should().Be(0);
        options.Validate();
        new TrainingOptions { Epochs = 1, BatchSize = 1, LearningRate = double.Epsilon }.Validate();
    }

    [Theory]
    [InlineData("Epochs", 0)]
    [InlineData("Epochs", -1)]
    [InlineData("BatchSize", 0)]
    [InlineData("BatchSize", -128)]
    [InlineData("LearningRate", 0.0)]
    [InlineData("LearningRate", -1e-3)]
    [InlineData("LearningRate", double.NaN)]
    [InlineData("LearningRate", double.PositiveInfinity)]
    public void Bad_training_options_throw_ArgumentOutOfRangeException_naming_the_option(string option, double value)
    {
        var options = option switch
        {
            "Epochs" => new TrainingOptions { Epochs = (int)value },
            "BatchSize" => new TrainingOptions { BatchSize = (int)value },
            "LearningRate" => new TrainingOptions { LearningRate = value },
            _ => throw new ArgumentException(option),
        };
        using var model = NewModel();
        using var x = zeros(4, 20);
        using var y = zeros(new long[] { 4 }, dtype: int64);

        options.Invoking(o => o.Validate()).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == option);
        model.Invoking(m => m.Train(x, y, options)).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == option);
        model.IsTrained.Should().BeFalse();
    }
}
