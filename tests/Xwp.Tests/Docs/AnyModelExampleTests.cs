using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Xwp.Tests.Docs;

/// <summary>The README's "Your own model" snippet, compiled and run.</summary>
public class AnyModelExampleTests
{
    [Fact]
    public void A_users_cnn_is_explained_and_scored_with_maps_of_the_image_shape()
    {
        using var scope = NewDisposeScope();
        var images = rand(8, 1, 28, 28);
        var labels = randint(10, [8]);

        // README: any-model
        // Your own TorchSharp module: inputs [N, 1, 28, 28], outputs logits [N, 10].
        var cnn = nn.Sequential(
            ("conv", nn.Conv2d(1, 8, 3)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()), ("fc", nn.Linear(8 * 13 * 13, 10)));
        var model = ExplainableModel.FromModule(cnn, ModelOutput.Logits);

        var occlusion = model.Explain(images).For(labels)
            .Using(Attributions.Occlusion(new OcclusionOptions { Window = (4, 4), Stride = (2, 2) }))
            .Compute();                                                   // [8, 1, 28, 28]
        var shap = model.Explain(images).For(labels)
            .Using(Attributions.KernelShap(new KernelShapOptions { FeatureMask = FeatureMask.Superpixels(28, 28, 4), Samples = 200 }))
            .Compute();
        var report = model.Evaluate(images, labels)
            .With(Attributions.IntegratedGradients(), Attributions.Random())
            .Metrics(Metrics.DeletionAuc(), Metrics.AverageDrop())
            .Run();
        // README: end

        occlusion.shape.Should().Equal(8, 1, 28, 28);
        shap.shape.Should().Equal(8, 1, 28, 28);
        report.Methods.Should().Equal("ig", "random");
        cnn.Dispose();
    }
}
