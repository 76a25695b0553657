using TorchSharp.PyBridge;
using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Tests.TestUtils;

/// <summary>Writes a snapshot as PyTorch would save an nn.Sequential's state_dict (Linear layers at even indexes).</summary>
internal static class StateDicts
{
    public static string Save(FcnnSnapshot snapshot, string path)
    {
        var dict = new Dictionary<string, Tensor>();
        for (var i = 0; i < snapshot.Weights.Count; i++)
        {
            dict[$"{2 * i}.weight"] = snapshot.Weights[i];
            dict[$"{2 * i}.bias"] = snapshot.Biases[i];
        }

        PyTorchPickler.PickleStateDict(path, dict);
        return path;
    }
}
