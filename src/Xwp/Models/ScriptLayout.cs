using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Xwp.Models;

/// <summary>
/// The layer types of a TorchScript file, which TorchSharp's loaded module does not expose: the archive's
/// <c>data.pkl</c> names the root module's class first, and the class's source under <c>code/</c> declares
/// every child with its type (<c>__annotations__["0"] = __torch__.torch.nn.modules.linear.Linear</c>, or
/// <c>fc : __torch__.torch.nn.modules.linear.Linear</c>), in declaration order. Each child's own class (a
/// name-mangled copy per distinct configuration) holds its settings as <c>Final</c> constants, which
/// <see cref="Details"/> keeps for LRP (<see cref="ScriptChain"/>).
/// </summary>
/// <param name="RootType">The root module's class name without its module path, e.g. <c>Sequential</c>.</param>
/// <param name="Children">Each direct child's name and class name (e.g. <c>("0", "Linear")</c>), in declaration order.</param>
internal sealed partial record ScriptLayout(string RootType, IReadOnlyList<(string Name, string Type)> Children)
{
    /// <summary>
    /// Each direct child's qualified class (e.g. <c>__torch__.torch.nn.modules.conv.___torch_mangle_0.Conv2d</c>: a
    /// class TorchScript compiled once per distinct configuration) and the <c>Final</c> constants of that class,
    /// such as <c>stride</c> = <c>(2, 2)</c>, as written in the archive's code (Python literals); in the order of
    /// <see cref="Children"/>.
    /// </summary>
    public IReadOnlyList<ScriptChild> Details { get; init; } = [];

    /// <summary>Whether the root is an <c>nn.Sequential</c>, whose forward applies the children in order.</summary>
    public bool IsSequential => RootType == "Sequential";

    /// <summary>Reads the layout of a TorchScript archive; null when the file does not have the expected entries.</summary>
    public static ScriptLayout? TryRead(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var data = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1);
            if (data is null)
            {
                return null;
            }

            var root = data.FullName[..data.FullName.IndexOf('/')];
            var (module, type) = FirstGlobal(data);
            if (module is null || type is null)
            {
                return null;
            }

            var body = ClassSource(zip, root, module, type);
            if (body is null)
            {
                return new ScriptLayout(type, []);
            }

            var children = new List<(string, string)>();
            var details = new List<ScriptChild>();
            foreach (Match m in ChildPattern().Matches(body))
            {
                var name = m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["n"].Value;
                var fullType = m.Groups["t"].Value;
                var dot = fullType.LastIndexOf('.');
                var childType = fullType[(dot + 1)..];
                children.Add((name, childType));
                var childBody = ClassSource(zip, root, fullType[..dot], childType);
                var constants = new Dictionary<string, string>(StringComparer.Ordinal);
                if (childBody is not null)
                {
                    foreach (Match c in ConstantPattern().Matches(childBody))
                    {
                        constants[c.Groups["k"].Value] = c.Groups["v"].Value;
                    }
                }

                details.Add(new ScriptChild(name, childType, fullType, constants));
            }

            return new ScriptLayout(type, children) { Details = details };
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every module below the root of a TorchScript archive, depth first in declaration order: its dotted name as
    /// <c>named_modules()</c> gives it (e.g. <c>0.1</c> for a child of child <c>0</c>), its class name and its class's source
    /// (with the <c>Final</c> constants); empty when the archive's code cannot be read.
    /// </summary>
    /// <param name="path">The TorchScript file.</param>
    public static IReadOnlyList<(string Name, string Type, string Source)> Modules(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var data = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1);
            if (data is null)
            {
                return [];
            }

            var (module, type) = FirstGlobal(data);
            var found = new List<(string, string, string)>();
            if (module is not null && type is not null)
            {
                Walk(zip, data.FullName[..data.FullName.IndexOf('/')], module, type, string.Empty, found, 0);
            }

            return found;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Adds the children of class <paramref name="type"/> and their descendants to <paramref name="found"/>.</summary>
    private static void Walk(ZipArchive zip, string root, string module, string type, string prefix, List<(string, string, string)> found, int depth)
    {
        // A module cannot contain itself; the bound only guards against a damaged archive.
        var body = depth > 100 ? null : ClassSource(zip, root, module, type);
        if (body is null)
        {
            return;
        }

        foreach (Match m in ChildPattern().Matches(body))
        {
            var name = prefix + (m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["n"].Value);
            var fullType = m.Groups["t"].Value;
            var dot = fullType.LastIndexOf('.');
            var childType = fullType[(dot + 1)..];
            if (ClassSource(zip, root, fullType[..dot], childType) is { } childBody)
            {
                found.Add((name, childType, childBody));
                Walk(zip, root, fullType[..dot], childType, name + ".", found, depth + 1);
            }
        }
    }

    /// <summary>The class of a child, or null when unknown.</summary>
    public string? TypeOf(string child) => Children.FirstOrDefault(c => c.Name == child).Type;

    /// <summary>The source of class <paramref name="type"/> in module <paramref name="module"/> (e.g. <c>__torch__.torch.nn.modules.conv</c>), up to the next class; null when absent.</summary>
    private static string? ClassSource(ZipArchive zip, string root, string module, string type)
    {
        var code = zip.GetEntry($"{root}/code/{module.Replace('.', '/')}.py");
        if (code is null)
        {
            return null;
        }

        using var reader = new StreamReader(code.Open(), Encoding.UTF8);
        var source = reader.ReadToEnd();
        var start = source.IndexOf($"class {type}(", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = source.IndexOf("\nclass ", start + 1, StringComparison.Ordinal);
        return end < 0 ? source[start..] : source[start..end];
    }

    private static (string? Module, string? Type) FirstGlobal(ZipArchiveEntry data)
    {
        // Pickle protocol 2: PROTO (0x80 0x02), then GLOBAL 'c' "module\nname\n" for the root object's class.
        using var stream = data.Open();
        var buffer = new byte[512];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var text = Encoding.ASCII.GetString(buffer, 0, read);
        var c = text.IndexOf('c', StringComparison.Ordinal);
        if (c < 0)
        {
            return (null, null);
        }

        var parts = text[(c + 1)..].Split('\n');
        return parts.Length < 3 ? (null, null) : (parts[0], parts[1]);
    }

    [GeneratedRegex("""^\s+(?:__annotations__\["(?<q>[^"]+)"\]\s*=|(?<n>[A-Za-z_][A-Za-z0-9_]*)\s*:)\s*(?<t>__torch__\.[A-Za-z0-9_.]+)\s*$""", RegexOptions.Multiline)]
    private static partial Regex ChildPattern();

    /// <summary>A class attribute <c>  stride : Final[Tuple[int, int]] = (2, 2)</c>: name and literal.</summary>
    [GeneratedRegex("""^\s+(?<k>[A-Za-z_][A-Za-z0-9_]*)\s*:\s*Final\[.*\]\s*=\s*(?<v>.+?)\s*$""", RegexOptions.Multiline)]
    private static partial Regex ConstantPattern();
}

/// <summary>A direct child of a scripted module, as its archive's code declares it.</summary>
/// <param name="Name">The attribute name, e.g. <c>0</c> in a Sequential.</param>
/// <param name="Type">The class name without its module path, e.g. <c>Conv2d</c>.</param>
/// <param name="QualifiedType">The qualified class, e.g. <c>__torch__.torch.nn.modules.conv.___torch_mangle_0.Conv2d</c>.</param>
/// <param name="Constants">The class's <c>Final</c> constants by name, each as its Python literal (e.g. <c>(2, 2)</c>, <c>1e-05</c>, <c>"zeros"</c>, <c>None</c>).</param>
internal sealed record ScriptChild(string Name, string Type, string QualifiedType, IReadOnlyDictionary<string, string> Constants);
