using System.Text.RegularExpressions;

namespace Xwp.Data;

/// <summary>
/// Finds font files (TrueType and OpenType, single or collections) in font folders. The default
/// folders are, in this order: the Google Fonts packages installed by <c>npm ci</c> in the
/// repository's <c>data/fonts</c> (see <see cref="GoogleFontsFolder"/>), then the system's font folders.
/// </summary>
internal static partial class FontFiles
{
    /// <summary>The folder, relative to a repository root, where <c>npm ci</c> in <c>data/fonts</c> puts the font packages.</summary>
    public static readonly string RepositoryGoogleFontsFolder = Path.Combine("data", "fonts", "node_modules");

    private const string FontconfigFolder = "/etc/fonts";

    private static readonly string[] Extensions = [".ttf", ".otf", ".ttc", ".otc"];

    /// <summary>
    /// The folders searched when none are given: the Google Fonts folder (when one is found) first,
    /// so that its styles keep their TMNIST-style names when a system font has the same digits,
    /// then the system's font folders.
    /// </summary>
    /// <exception cref="XwpDataException"><c>XWP_GOOGLE_FONTS</c> names a folder that does not exist.</exception>
    public static IReadOnlyList<string> DefaultFolders()
    {
        var google = GoogleFontsFolder(Environment.GetEnvironmentVariable(Datasets.GoogleFontsEnvironmentVariable),
            Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
        var system = SystemFolders();
        return google is null ? system : [google, .. system.Where(f => f != google)];
    }

    /// <summary>
    /// The folder of Google Fonts npm packages, searched in this order: <paramref name="environmentValue"/>
    /// (the value of <c>XWP_GOOGLE_FONTS</c>; a named folder must exist); else <c>data/fonts/node_modules</c>
    /// in <paramref name="workingDirectory"/> or the nearest of its parents that has one; else the same
    /// from <paramref name="appDirectory"/>. Null when none is found. Nothing is downloaded: the folder
    /// is filled by <c>npm ci</c> in <c>data/fonts</c>.
    /// </summary>
    /// <exception cref="XwpDataException"><paramref name="environmentValue"/> names a folder that does not exist.</exception>
    public static string? GoogleFontsFolder(string? environmentValue, string workingDirectory, string appDirectory)
    {
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            return Directory.Exists(environmentValue)
                ? Path.GetFullPath(environmentValue)
                : throw new XwpDataException(
                    $"'{environmentValue}' ({Datasets.GoogleFontsEnvironmentVariable}): font folder not found. Run 'npm ci' in data/fonts or unset the variable.");
        }

        return FindUpwards(workingDirectory) ?? FindUpwards(appDirectory);

        static string? FindUpwards(string start)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RepositoryGoogleFontsFolder);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

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
    /// Every font file under <paramref name="folders"/>: folder by folder in the order given, sorted by
    /// path (ordinal) within each, each real file once (a file already found, or a link to one, is skipped).
    /// </summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> folders)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
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

            var files = Directory.EnumerateFiles(folder, "*", options)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Select(Path.GetFullPath)
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                if (seen.Add(RealPath(file)))
                {
                    result.Add(file);
                }
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
