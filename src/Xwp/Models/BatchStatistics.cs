using System.IO.Compression;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// Finds BatchNorm layers that keep no running statistics (<c>track_running_stats=False</c>). Such a layer normalises
/// every batch with the batch's own mean and variance even in eval mode, so one input's outputs, and so its map, depend
/// on the other inputs of its batch (and on the perturbed copies a method batches with it); a one-row batch fails outright.
/// Explanations and evaluations refuse such models (<see cref="Refusal"/>).
/// </summary>
internal static partial class BatchStatistics
{
    /// <summary>The BatchNorm layers of a TorchSharp module without running statistics, as <c>name (Type)</c>.</summary>
    public static IReadOnlyList<string> InModule(nn.Module module) =>
        [.. module.named_modules()
            .Where(m => m.module is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d or TorchSharp.Modules.BatchNorm3d
                && m.module is TorchSharp.Modules.NormBase { track_running_stats: false })
            .Select(m => $"{(m.name.Length == 0 ? "the module itself" : $"'{m.name}'")} ({m.module.GetType().Name})")];

    /// <summary>
    /// The BatchNorm layers of a TorchScript archive whose class is compiled with <c>track_running_stats : Final[bool] = False</c>,
    /// as <c>name (Type)</c> with the dotted name <c>named_modules()</c> gives (<see cref="ScriptLayout.Modules"/>); when the
    /// module tree cannot be followed from the root, the offending classes by name alone (one class per distinct
    /// configuration). Empty when there are none or the archive's code cannot be read.
    /// </summary>
    public static IReadOnlyList<string> InScript(string path)
    {
        var modules = ScriptLayout.Modules(path);
        if (modules.Count > 0)
        {
            return [.. modules
                .Where(m => m.Type.Contains("BatchNorm", StringComparison.Ordinal) && m.Source.Contains(NoRunningStatistics, StringComparison.Ordinal))
                .Select(m => $"'{m.Name}' ({m.Type})")];
        }

        try
        {
            using var zip = ZipFile.OpenRead(path);
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries.Where(e => e.FullName.Contains("/code/", StringComparison.Ordinal) && e.FullName.EndsWith(".py", StringComparison.Ordinal)))
            {
                using var reader = new StreamReader(entry.Open());
                var code = reader.ReadToEnd();
                var classes = ClassPattern().Matches(code);
                for (var i = 0; i < classes.Count; i++)
                {
                    var end = i + 1 < classes.Count ? classes[i + 1].Index : code.Length;
                    var body = code[classes[i].Index..end];
                    if (body.Contains(NoRunningStatistics, StringComparison.Ordinal))
                    {
                        found.Add(classes[i].Groups[1].Value);
                    }
                }
            }

            return [.. found];
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>How a BatchNorm class compiled without running statistics declares it in the archive's code.</summary>
    private const string NoRunningStatistics = "track_running_stats : Final[bool] = False";

    /// <summary>The refusal for <paramref name="model"/> (e.g. <c>The TorchScript model 'm.pt'</c>) and its offending layers.</summary>
    public static InvalidOperationException Refusal(string model, IReadOnlyList<string> layers) =>
        new($"{model} has BatchNorm layer(s) with track_running_stats=False ({string.Join(", ", layers)}): they normalise every batch " +
            "with its own mean and variance even in eval mode, so an input's outputs and map would depend on the other inputs batched with it. " +
            "Keep running statistics (track_running_stats=True, estimated in train mode on training data) or use a per-input normalisation " +
            "(LayerNorm, GroupNorm), then save the model again.");

    [GeneratedRegex(@"^class (\w*BatchNorm\w*)\(", RegexOptions.Multiline)]
    private static partial Regex ClassPattern();
}
