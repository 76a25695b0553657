using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Evaluation;

/// <summary>
/// The randomisation test on TorchSharp and TorchScript modules: their layers are redrawn in place with the draws an
/// <see cref="Fcnn"/>'s layers get (same seed, same layer index), so a Sequential holding an Fcnn's weights scores
/// what the Fcnn scores, and every parameter is restored afterwards, also when explaining fails.
/// </summary>
public sealed class ModuleRandomisationTests
{
    /// <summary>A Sequential 5-4-3 (Linear, ReLU, Linear) holding the Fcnn's trained parameters.</summary>
    private static nn.Module<Tensor, Tensor> SequentialOf(Fcnn fcnn)
    {
        var module = nn.Sequential(("0", nn.Linear(5, 4)), ("1", nn.ReLU()), ("2", nn.Linear(4, 3)));
        using var noGrad = no_grad();
        var p = module.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        for (var l = 0; l < 2; l++)
        {
            p[$"{2 * l}.weight"].copy_(fcnn.Trained.Weights[l]);
            p[$"{2 * l}.bias"].copy_(fcnn.Trained.Biases[l]);
        }

        return module;
    }

    private static Dictionary<string, Tensor> Copy(nn.Module module) =>
        module.named_parameters().ToDictionary(x => x.name, x => x.parameter.detach().clone());

    private static void ShouldBeRestored(nn.Module module, Dictionary<string, Tensor> before)
    {
        var after = module.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        after.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (name, value) in before)
        {
            TensorAssert.Identical(after[name].detach(), value);
        }
    }

    public static TheoryData<string> Methods => new() { "inputxgradient", "xwp" };

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_sequential_with_an_fcnns_weights_scores_what_the_fcnn_scores_and_gets_its_parameters_back(string name)
    {
        using var scope = NewDisposeScope();
        using var fcnn = TinyNets.RandomTrained([5, 4, 3], seed: 11);
        var module = SequentialOf(fcnn);
        var before = Copy(module);
        using var initial = FirstLayerSnapshot.FromWeight("0", fcnn.CopyWeight(0, initial: true));
        using var xwpModel = XwpModel.FromModule(module, initial);
        ExplainableModel generic = name == "xwp" ? xwpModel : ExplainableModel.FromModule(module);
        var method = name == "xwp" ? Attributions.Xwp() : Attributions.InputXGradient();
        var x = rand(6, 5, generator: new Generator(3)).add_(0.1);
        var t = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        var options = new ParameterRandomisationOptions { Seed = 7 };

        var fcnnMaps = fcnn.Explain(x).For(t).Using(method).Compute();
        var genericMaps = generic.Explain(x).For(t).Using(method).Compute();
        TensorAssert.Close(genericMaps, fcnnMaps, 1e-6);
        var expected = Metrics.ParameterRandomisation(method, options).Score(fcnn, x, t, fcnnMaps);
        var result = Metrics.ParameterRandomisation(method, options).Score(generic, x, t, genericMaps);

        // Same draws (layer l from (seed 7, l)), same maps up to rounding, so the same ranks and the same |ρ| per step.
        result.Values.Count.Should().Be(6);
        for (var i = 0; i < 6; i++)
        {
            result.Values[i].Should().BeApproximately(expected.Values[i], 1e-9);
            result.Curves![i].Should().HaveCount(2);
            for (var k = 0; k < 2; k++)
            {
                ((double)result.Curves[i][k]).Should().BeApproximately(expected.Curves![i][k], 1e-6);
            }
        }

        // Not vacuous: redrawing the layers changed some rankings.
        expected.Values.Should().Contain(v => v < 0.99);
        ShouldBeRestored(module, before);
    }

    [Fact]
    public void Parameters_are_restored_when_explaining_fails_part_way()
    {
        using var scope = NewDisposeScope();
        using var fcnn = TinyNets.RandomTrained([5, 4, 3], seed: 12);
        var module = SequentialOf(fcnn);
        var before = Copy(module);
        var model = ExplainableModel.FromModule(module);
        var x = rand(2, 5, generator: new Generator(4));
        var t = zeros(2, int64);
        var failing = new FailsOnCall(2);

        // Step 1 redraws the top layer and explains (call 1); step 2 redraws layer 0 too, and its explanation throws.
        FluentActions.Invoking(() => Metrics.ParameterRandomisation(failing).Score(model, x, t, x.clone()))
            .Should().Throw<InvalidOperationException>().WithMessage("*call 2*");
        failing.Calls.Should().Be(2);
        ShouldBeRestored(module, before);
    }

    [Fact]
    public void A_torchscript_model_is_randomised_layer_by_layer_and_restored()
    {
        using var scope = NewDisposeScope();
        using var model = TorchScriptModel.Load(Cli.TorchScriptCommandTests.Fixture("mlp.pt"));
        var before = Copy(model.Module);
        var layers = before.Keys.Count(k => k.EndsWith(".weight", StringComparison.Ordinal) && before[k].dim() >= 2);
        var x = NpyFile.Read(Cli.TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        var t = NpyFile.Read(Cli.TorchScriptCommandTests.Fixture("mlp_targets.npy"));
        var method = Attributions.InputXGradient();
        var maps = model.Explain(x).For(t).Using(method).Compute();

        var result = Metrics.ParameterRandomisation(method).Score(model, x, t, maps);

        layers.Should().BeGreaterThan(1);
        result.Curves!.Should().AllSatisfy(c => c.Should().HaveCount(layers));
        result.Values.Should().AllSatisfy(v => v.Should().BeInRange(0, 1));
        result.Values.Should().Contain(v => v < 0.99);
        ShouldBeRestored(model.Module, before);

        // Deterministic for a seed: a second run gives the same values.
        Metrics.ParameterRandomisation(method).Score(model, x, t, maps).Values.Should().Equal(result.Values);
    }

    [Fact]
    public void A_forward_function_cannot_be_randomised()
    {
        using var scope = NewDisposeScope();
        var w = randn(3, 4, generator: new Generator(1));
        var model = ExplainableModel.FromFunction(v => v.matmul(w.t()));
        var x = rand(2, 4, generator: new Generator(2));
        var t = zeros(2, int64);
        FluentActions.Invoking(() => Metrics.ParameterRandomisation(Attributions.InputMagnitude()).Score(model, x, t, x.clone()))
            .Should().Throw<NotSupportedException>().WithMessage("*forward function*FromModule*");
    }

    [Fact]
    public void Parameters_are_restored_when_the_run_is_cancelled_part_way()
    {
        // 5-4-3 MLP: step 1 redraws the top layer and explains (call 1); call 2 (step 2, both layers redrawn) cancels the token.
        using var scope = NewDisposeScope();
        using var fcnn = TinyNets.RandomTrained([5, 4, 3], seed: 13);
        var module = SequentialOf(fcnn);
        var before = Copy(module);
        var model = ExplainableModel.FromModule(module);
        var x = rand(2, 5, generator: new Generator(5));
        var t = zeros(2, int64);
        using var cancellation = new CancellationTokenSource();
        var cancelling = new CancelsOnCall(2, cancellation);

        FluentActions.Invoking(() => Metrics.ParameterRandomisation(cancelling).Score(model, x, t, x.clone(), cancellationToken: cancellation.Token))
            .Should().Throw<OperationCanceledException>();
        cancelling.Calls.Should().Be(2);
        ShouldBeRestored(module, before);
    }

    [Fact]
    public void A_batchnorm_module_left_in_train_mode_keeps_its_running_statistics_and_its_mode()
    {
        // Linear 5→4, BatchNorm1d(4), ReLU, Linear 4→3: two layers to redraw; BatchNorm's weight and bias are 1-D and stay, and
        // its running mean and variance (buffers) must not move while the randomised models are explained in eval mode.
        using var scope = NewDisposeScope();
        manual_seed(14);
        var module = nn.Sequential(("0", nn.Linear(5, 4)), ("1", nn.BatchNorm1d(4)), ("2", nn.ReLU()), ("3", nn.Linear(4, 3)));
        using (no_grad())
        {
            module.call(randn(16, 5, generator: new Generator(6)));
        }

        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer.detach().clone());
        var before = Copy(module);
        var model = ExplainableModel.FromModule(module);
        var x = rand(4, 5, generator: new Generator(7));
        var t = tensor(new long[] { 0, 1, 2, 0 });
        var method = Attributions.InputXGradient();
        var maps = model.Explain(x).For(t).Using(method).Compute();

        var result = Metrics.ParameterRandomisation(method).Score(model, x, t, maps);

        result.Curves!.Should().AllSatisfy(c => c.Should().HaveCount(2));
        module.training.Should().BeTrue();
        ShouldBeRestored(module, before);
        foreach (var (name, buffer) in module.named_buffers())
        {
            TensorAssert.Identical(buffer, buffers[name]);
        }
    }

    [Fact]
    public void A_module_without_a_matrix_is_refused_naming_it()
    {
        // Linear-free: a LayerNorm's weight and bias are one-dimensional, so there is no layer to redraw.
        using var scope = NewDisposeScope();
        var model = ExplainableModel.FromModule(nn.Sequential(("norm", nn.LayerNorm(4))));
        var x = rand(2, 4, generator: new Generator(2));
        var t = zeros(2, int64);
        FluentActions.Invoking(() => Metrics.ParameterRandomisation(Attributions.InputMagnitude()).Score(model, x, t, x.clone()))
            .Should().Throw<NotSupportedException>().WithMessage(
                "The module (Sequential) has no layer with a weight of two or more dimensions (Linear, Conv), so the randomisation test has nothing to redraw.");
    }

    /// <summary>|x| that cancels the token on the given call (and stops there, as a method does), counting calls.</summary>
    private sealed class CancelsOnCall(int cancelling, CancellationTokenSource source) : CustomAttributionMethod
    {
        public int Calls { get; private set; }

        public override string Name => "cancels-on-call";

        protected override Tensor Attribute(ExplainableModel model, Tensor inputs, Tensor targets, long offset, CancellationToken cancellationToken)
        {
            if (++Calls == cancelling)
            {
                source.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return inputs.abs();
        }
    }

    /// <summary>Input magnitude that throws on the given call, counting calls.</summary>
    private sealed class FailsOnCall(int failing) : CustomAttributionMethod
    {
        public int Calls { get; private set; }

        public override string Name => "fails-on-call";

        protected override Tensor Attribute(ExplainableModel model, Tensor inputs, Tensor targets, long offset, CancellationToken cancellationToken) =>
            ++Calls == failing ? throw new InvalidOperationException($"call {Calls}") : inputs.abs();
    }
}
