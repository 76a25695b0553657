using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

public class ExplainableModelTests
{
    [Fact]
    public void An_fcnn_is_a_logits_model_of_input_shape_D_whose_forward_is_its_trained_logits()
    {
        using var model = TinyNets.ThreeTwoTwo();
        ExplainableModel abstraction = model;
        abstraction.Output.Should().Be(ModelOutput.Logits);
        abstraction.InputShape.Should().Equal(3L);
        abstraction.Structure.Should().BeSameAs(ModelStructure.Opaque);

        // θ: h = relu([x0 + 2 x1, x1 − x2 − 1]); the second layer is the identity.
        // x = [1, 1, 0]: h = relu([3, 0]) = [3, 0].
        using var x = tensor(new float[] { 1, 1, 0 }, [1, 3]);
        using var logits = abstraction.Forward(x);
        TensorAssert.Close(logits, [3f, 0f], 1e-6);
    }

    [Fact]
    public void A_wrapped_sequential_records_its_layers_and_runs_in_eval_mode_only_while_explaining()
    {
        using var module = nn.Sequential(("fc", nn.Linear(4, 3)), ("drop", nn.Dropout(0.5)), ("out", nn.Linear(3, 2)));
        module.train();
        var model = ExplainableModel.FromModule(module);
        model.Structure.Layers.Should().HaveCount(3);
        model.Device.type.Should().Be(DeviceType.CPU);
        using (model.BeginExplaining())
        {
            module.training.Should().BeFalse();
            using var x = ones(5, 4);
            using var a = model.Forward(x);
            using var b = model.Forward(x);
            TensorAssert.Identical(a, b);
        }

        module.training.Should().BeTrue();
    }

    [Fact]
    public void Bad_arguments_are_refused_naming_them()
    {
        var act = () => ExplainableModel.FromFunction(x => x, (ModelOutput)7);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("output");
        var shape = () => ExplainableModel.FromFunction(x => x, inputShape: [3, 0]);
        shape.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("inputShape");
        var none = () => ExplainableModel.FromModule(null!);
        none.Should().Throw<ArgumentNullException>();
    }
}
