using System.Text.RegularExpressions;

namespace Xwp.Data;

/// <summary>Finds font files (TrueType and OpenType, single or collections) in font folders.</summary>
internal static partial class FontFiles
{
    private const string FontconfigFolder = "/etc/fonts";

    private static readonly string[] Extensions = [".ttf", ".otf", ".ttc", ".otc"];

    /// <summary>The system's font folders that exist, in a fixed order.</summary>
    public static IReadOnlyList<string> SystemFolders()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        IEnumerable<string> candidates;
        if (OperatingSystem.IsWindows())
        {
            candidates = [Environment.GetFolderPath(Environment.SpecialFolder.Fonts),
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Microsoft", "Windows", "Fonts")];
        }
        else if (OperatingSystem.IsMacOS())
        {
            candidates = ["/System/Library/Fonts", "/Library/Fonts", Path.Combine(home, "Library", "Fonts")];
        }
        else
        {
            var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            var xdgFonts = Path.Combine(string.IsNullOrEmpty(dataHome) ? Path.Combine(home, ".local", "share") : dataHome, "fonts");
            candidates = ["/usr/share/fonts", "/usr/local/share/fonts", xdgFonts, Path.Combine(home, ".fonts"),
                .. FontconfigFolders(home).Order(StringComparer.Ordinal)];
        }

        var existing = candidates.Where(c => !string.IsNullOrEmpty(c) && Directory.Exists(c)).Distinct(StringComparer.Ordinal).ToList();

        // Leave out folders inside another listed folder: they are searched with it.
        return existing.Where(f => !existing.Any(o => o != f && f.StartsWith(o.TrimEnd('/') + "/", StringComparison.Ordinal))).ToList();
    }

    /// <summary>
    /// The absolute folders that fontconfig's configuration (<c>/etc/fonts/fonts.conf</c> and
    /// <c>conf.d/*.conf</c>) adds with <c>&lt;dir&gt;</c>, such as the TeX Gyre fonts' folder.
    /// </summary>
    private static IEnumerable<string> FontconfigFolders(string home)
    {
        if (!Directory.Exists(FontconfigFolder))
        {
            yield break;
        }

        var files = new List<string>();
        if (File.Exists(Path.Combine(FontconfigFolder, "fonts.conf")))
        {
            files.Add(Path.Combine(FontconfigFolder, "fonts.conf"));
        }

        var confD = Path.Combine(FontconfigFolder, "conf.d");
        if (Directory.Exists(confD))
        {
            files.AddRange(Directory.EnumerateFiles(confD, "*.conf").Order(StringComparer.Ordinal));
        }

        foreach (var file in files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (Match m in DirElement().Matches(text))
            {
                var dir = m.Groups["dir"].Value.Trim();
                if (dir.StartsWith("~/", StringComparison.Ordinal))
                {
                    dir = Path.Combine(home, dir[2..]);
                }

                if (Path.IsPathRooted(dir) && m.Groups["attrs"].Value.Length == 0)
                {
                    yield return dir;
                }
            }
        }
    }

    [GeneratedRegex(@"<dir(?<attrs>\s[^>]*)?>(?<dir>[^<]+)</dir>", RegexOptions.CultureInvariant)]
    private static partial Regex DirElement();

    /// <summary>
    /// Every font file under <paramref name="folders"/>, sorted by path (ordinal), each real file once
    /// (links to a file already seen are skipped).
    /// </summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> folders)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<string>();
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.System,
            MatchCasing = MatchCasing.CaseInsensitive,
        };
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new XwpDataException($"'{folder}': font folder not found.");
            }

            foreach (var file in Directory.EnumerateFiles(folder, "*", options))
            {
                if (!Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                {
                    continue;
                }

                files.Add(Path.GetFullPath(file));
            }
        }

        files.Sort(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var file in files)
        {
            var real = RealPath(file);
            if (seen.Add(real))
            {
                result.Add(file);
            }
        }

        return result;
    }

    private static string RealPath(string file)
    {
        try
        {
            var target = File.ResolveLinkTarget(file, returnFinalTarget: true);
            return target is null ? file : Path.GetFullPath(target.FullName);
        }
        catch (IOException)
        {
            return file;
        }
    }
}
