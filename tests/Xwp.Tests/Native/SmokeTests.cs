using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Xwp.Tests.Native;

public class SmokeTests
{
    [Fact]
    public void Torch_computes_after_Xwp_loads_it()
    {
        using var t = ones(3);
        t.sum().item<float>().Should().Be(3f);
    }
}
