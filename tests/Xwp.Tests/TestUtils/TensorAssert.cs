using FluentAssertions;
using static TorchSharp.torch;

namespace Xwp.Tests.TestUtils;

internal static class TensorAssert
{
    public static float[] Values(Tensor t)
    {
        using var cpu = t.detach().to(float32).cpu().contiguous();
        return cpu.data<float>().ToArray();
    }

    public static void Close(Tensor actual, float[] expected, double tolerance)
    {
        var values = Values(actual);
        values.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            values[i].Should().BeApproximately(expected[i], (float)tolerance, $"element {i}");
        }
    }

    public static void Close(Tensor actual, Tensor expected, double tolerance)
    {
        actual.shape.Should().Equal(expected.shape);
        using var diff = actual.sub(expected).abs().max();
        diff.item<float>().Should().BeLessThanOrEqualTo((float)tolerance);
    }

    public static void Identical(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        Values(actual).Should().Equal(Values(expected));
    }
}
