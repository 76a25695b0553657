using System.Collections.Concurrent;
using SkiaSharp;

namespace Xwp.Plotting;

/// <summary>
/// The font that the pictures use for their text. SkiaSharp's Linux "NoDependencies" native library
/// has no fontconfig, so the font is loaded from a file: the one named in an options record's
/// <c>FontFile</c>, else the first of <c>DejaVuSans.ttf</c>, <c>LiberationSans-Regular.ttf</c>,
/// <c>Arial.ttf</c> found under the usual font folders, else any <c>.ttf</c> there (in ordinal
/// order of the path, so the choice is repeatable). With no font at all the pictures are still drawn,
/// without their text; the grids keep their layout (only a column title's split onto two lines needs a font).
/// </summary>
public static class PlotFonts
{
    private static readonly string[] PreferredFiles = ["DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf"];
    private static readonly Lazy<string?> Discovered = new(() => FindFontFile(SearchFolders()));
    private static readonly ConcurrentDictionary<string, FontFaces?> Loaded = new(StringComparer.Ordinal);
    private static readonly HashSet<string> RegisteredWithScottPlot = new(StringComparer.Ordinal);
    private static readonly Lock ScottPlotLock = new();

    /// <summary>The font file found on this machine, or null when there is none (the pictures then have no text).</summary>
    public static string? DefaultFontFile => Discovered.Value;

    /// <summary>The folders searched for fonts on this platform, in order.</summary>
    internal static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            folders.Add(Environment.GetFolderPath(Environment.SpecialFolder.Fonts));
        }
        else if (OperatingSystem.IsMacOS())
        {
            folders.AddRange(["/System/Library/Fonts", "/Library/Fonts"]);
        }
        else
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            folders.AddRange(["/usr/share/fonts", "/usr/local/share/fonts"]);
            if (!string.IsNullOrEmpty(home))
            {
                folders.AddRange([Path.Combine(home, ".local", "share", "fonts"), Path.Combine(home, ".fonts")]);
            }
        }

        return folders.Where(f => !string.IsNullOrEmpty(f)).ToList();
    }

    /// <summary>The first preferred font file under <paramref name="folders"/>, else the first <c>.ttf</c> in ordinal path order, else null.</summary>
    internal static string? FindFontFile(IEnumerable<string> folders)
    {
        var files = new List<string>();
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseInsensitive };
        foreach (var folder in folders)
        {
            if (Directory.Exists(folder))
            {
                files.AddRange(Directory.EnumerateFiles(folder, "*.ttf", enumeration));
            }
        }

        files.Sort(StringComparer.Ordinal);
        foreach (var preferred in PreferredFiles)
        {
            var match = files.Find(f => string.Equals(Path.GetFileName(f), preferred, StringComparison.OrdinalIgnoreCase));
            if (match is not null && Load(match) is not null)
            {
                return match;
            }
        }

        return files.Find(f => Load(f) is not null);
    }

    /// <summary>The faces of <paramref name="fontFile"/> (or of the discovered font when null), or null when none can be loaded.</summary>
    internal static FontFaces? Resolve(string? fontFile) =>
        fontFile is not null ? Load(fontFile) : Discovered.Value is { } found ? Load(found) : null;

    /// <summary>
    /// Registers the font's faces with ScottPlot under a name of their own and returns that name, or
    /// null when there is no font (ScottPlot then falls back to whatever it finds).
    /// </summary>
    internal static string? RegisterWithScottPlot(string? fontFile)
    {
        var faces = Resolve(fontFile);
        if (faces is null)
        {
            return null;
        }

        var name = "Xwp.Plotting:" + faces.RegularFile;
        lock (ScottPlotLock)
        {
            if (RegisteredWithScottPlot.Add(name))
            {
                ScottPlot.Fonts.AddFontFile(name, faces.RegularFile, bold: false, italic: false);
                ScottPlot.Fonts.AddFontFile(name, faces.BoldFile ?? faces.RegularFile, bold: true, italic: false);
            }
        }

        return name;
    }

    private static FontFaces? Load(string file) => Loaded.GetOrAdd(file, static f =>
    {
        var regular = TryLoad(f);
        if (regular is null)
        {
            return null;
        }

        var boldFile = BoldSibling(f);
        var bold = boldFile is null ? null : TryLoad(boldFile);
        return new FontFaces(f, regular, bold is null ? null : boldFile, bold ?? regular);
    });

    private static SKTypeface? TryLoad(string file)
    {
        try
        {
            return File.Exists(file) ? SKTypeface.FromFile(file) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary><c>X-Regular.ttf</c> → <c>X-Bold.ttf</c>, <c>X.ttf</c> → <c>X-Bold.ttf</c>, when that file exists.</summary>
    private static string? BoldSibling(string file)
    {
        var folder = Path.GetDirectoryName(file) ?? string.Empty;
        var stem = Path.GetFileNameWithoutExtension(file);
        if (stem.EndsWith("-Regular", StringComparison.OrdinalIgnoreCase))
        {
            stem = stem[..^"-Regular".Length];
        }

        var candidate = Path.Combine(folder, stem + "-Bold" + Path.GetExtension(file));
        return File.Exists(candidate) ? candidate : null;
    }
}

/// <summary>A loaded font: its regular face (and the file it came from) and a bold face (the regular one when there is no bold file).</summary>
internal sealed record FontFaces(string RegularFile, SKTypeface Regular, string? BoldFile, SKTypeface Bold);
