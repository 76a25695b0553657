// A user's program that gets Xwp from NuGet: build a network, mark it trained, explain one input.
using Xwp;
using static TorchSharp.torch;

using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [16, 8, 3], Seed = 1 });
using (no_grad())
{
    foreach (var p in model.Module.parameters())
    {
        p.mul_(1.5); // stand-in for training
    }
}

model.MarkTrained();
using var x = rand([1, 16], generator: new Generator(2));
using var map = model.Explain(x).Using(Attributions.XwpComplement()).Compute();
Console.WriteLine($"Xwp {typeof(Fcnn).Assembly.GetName().Version} from NuGet: XWP^c map of shape [{string.Join(", ", map.shape)}], sum {map.sum().item<float>():F4}");
