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

        return Save(dict, path);
    }

    /// <summary>Writes tensors under the given names (e.g. <c>fc_in.weight</c>); the tensors stay the caller's.</summary>
    public static string Save(IReadOnlyDictionary<string, Tensor> entries, string path)
    {
        PyTorchPickler.PickleStateDict(path, entries.ToDictionary(e => e.Key, e => e.Value));
        return path;
    }
}
