using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkiaSharp;
using Xwp.Data;

namespace Xwp.Cli.Commands;

/// <summary>
/// For `xwp data build-embedded`: which package brought each font file and under which licence.
/// Debian's fonts: dpkg's file lists and the packages' machine-readable copyright files (DEP-5: the
/// last <c>Files:</c> stanza whose pattern matches the font's file name wins). Fonts of npm packages
/// (the Google Fonts of <c>data/fonts</c>): the nearest <c>package.json</c> above the file gives the
/// package, and the font's own licence text (OpenType 'name' table, IDs 13 and 14) the licence,
/// else the package's licence field without the MIT part that covers its JavaScript.
/// </summary>
internal static partial class FontLicences
{
    private const string DpkgInfo = "/var/lib/dpkg/info";

    /// <summary>Packages whose copyright file is not machine-readable: licences read by hand from /usr/share/doc/PKG/copyright.</summary>
    private static readonly Dictionary<string, string> ReadByHand = new(StringComparer.Ordinal)
    {
        ["fonts-liberation"] = "GPL-2 with font exception",
        ["fonts-jura"] = "OFL-1.1 (Kayah Li glyphs: GPL-3 or OFL-1.1)",
        ["fonts-oldstandard"] = "OFL-1.0",
        ["fonts-inconsolata"] = "OFL-1.0",
    };

    internal sealed record Origin(string Package, string Licence);

    /// <summary>The package and licence of each set's font file ("unknown" where dpkg does not know it).</summary>
    public static IReadOnlyDictionary<string, Origin> Describe(IReadOnlyList<DigitSet> sets)
    {
        var owners = PackageOwners(sets.Select(s => FilePart(s.File)).ToHashSet(StringComparer.Ordinal));
        var result = new Dictionary<string, Origin>(StringComparer.Ordinal);
        var copyrights = new Dictionary<string, List<(string[] Patterns, string Licence)>>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            var file = FilePart(set.File);
            if (!owners.TryGetValue(file, out var package))
            {
                result[set.Name] = NpmOrigin(file) ?? new Origin("unknown", "unknown");
                continue;
            }

            if (!copyrights.TryGetValue(package, out var stanzas))
            {
                stanzas = ReadCopyright(package);
                copyrights[package] = stanzas;
            }

            result[set.Name] = new Origin(package, ReadByHand.TryGetValue(package, out var licence) ? licence : LicenceOf(file, stanzas, package));
        }

        return result;
    }

    /// <summary>A path as the fonts list shows it: from its <c>node_modules</c> folder on for npm fonts (the rest depends on the machine), else whole.</summary>
    internal static string? ShownPath(string? file)
    {
        const string modules = "/node_modules/";
        var at = file?.LastIndexOf(modules, StringComparison.Ordinal) ?? -1;
        return at < 0 ? file : file![(at + 1)..];
    }

    /// <summary>A tab-separated table: name, family, file (npm fonts from <c>node_modules/</c> on), package, licence.</summary>
    public static string FontsTable(IReadOnlyList<DigitSet> sets, IReadOnlyDictionary<string, Origin> origins)
    {
        var text = new StringBuilder("name\tfamily\tfile\tpackage\tlicence\n");
        foreach (var set in sets)
        {
            var origin = origins[set.Name];
            text.Append(CultureInfo.InvariantCulture, $"{set.Name}\t{set.Family}\t{ShownPath(set.File)}\t{origin.Package}\t{origin.Licence}\n");
        }

        return text.ToString();
    }

    /// <summary>The NOTICE file: what the embedded set is, then each font family with its package and licence.</summary>
    public static string Notice(IReadOnlyList<DigitSet> sets, IReadOnlyDictionary<string, Origin> origins)
    {
        var families = sets
            .GroupBy(s => s.Family, StringComparer.Ordinal)
            .Select(g => (Family: g.Key, Styles: g.Count(),
                Packages: string.Join(", ", g.Select(s => origins[s.Name].Package).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
                Licences: string.Join("; ", g.Select(s => origins[s.Name].Licence).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))))
            .OrderBy(f => f.Family, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var text = new StringBuilder();
        text.Append("Xwp\nCopyright (c) 2026 Xwp contributors. Licensed under the MIT licence (see LICENSE).\n\n");
        text.Append("Embedded TMNIST-style digits (src/Xwp.Data/Embedded/tmnist-style.xwpd.gz)\n");
        text.Append("=========================================================================\n\n");
        text.Append(CultureInfo.InvariantCulture,
            $"The embedded data set holds 28x28 images of the digits 0-9 rendered by `xwp data build-embedded` from\n{sets.Count} font styles of {families.Count} font families: free fonts from Google Fonts' npm packages (pinned in\n");
        text.Append(
            "data/fonts/package-lock.json) and from Debian's archive. No font file is included, only small\n" +
            "rasterised images of ten glyphs per style. The fonts, their packages (npm packages marked \"(npm)\",\n" +
            "the others Debian's) and their licences (as the fonts' licence fields or the packages' copyright\n" +
            "files state them) are listed below; the full list of styles is src/Xwp.Data/Embedded/fonts.tsv.\n\n");
        text.Append("family\tstyles\tpackage\tlicence\n");
        foreach (var f in families)
        {
            text.Append(CultureInfo.InvariantCulture, $"{f.Family}\t{f.Styles}\t{f.Packages}\t{f.Licences}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The npm package (<c>name@version (npm)</c>) of a font file inside a <c>node_modules</c> folder and the
    /// font's licence; null when the file is in no npm package.
    /// </summary>
    internal static Origin? NpmOrigin(string file)
    {
        if (file.Length == 0)
        {
            return null;
        }

        for (var dir = Path.GetDirectoryName(Path.GetFullPath(file)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Path.GetFileName(dir) == "node_modules")
            {
                return null;
            }

            var manifest = Path.Combine(dir, "package.json");
            if (!File.Exists(manifest))
            {
                continue;
            }

            string? name = null, version = null, licence = null;
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(manifest));
                name = Text(json.RootElement, "name");
                version = Text(json.RootElement, "version");
                licence = Text(json.RootElement, "license");
            }
            catch (JsonException)
            {
            }

            var package = name is null ? $"npm package in {dir}" : $"{name}@{version ?? "?"} (npm)";
            return new Origin(package, FontLicence(file) ?? FontPartOfPackageLicence(licence));
        }

        return null;

        static string? Text(JsonElement root, string property) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>An npm package's licence field without the MIT that covers its JavaScript: <c>MIT AND OFL-1.1</c> → <c>OFL-1.1</c>.</summary>
    internal static string FontPartOfPackageLicence(string? licence)
    {
        if (string.IsNullOrWhiteSpace(licence))
        {
            return "not stated in the package or the font";
        }

        var parts = licence.Split(" AND ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var font = parts.Where(p => p != "MIT").ToList();
        return font.Count > 0 ? string.Join(" AND ", font) : $"not stated in the font (package licence {licence})";
    }

    /// <summary>
    /// The short licence name the font file states in its 'name' table: its licence text (ID 13), else
    /// its licence URL (ID 14), else its copyright notice (ID 0); null when none names a licence we know.
    /// </summary>
    internal static string? FontLicence(string file)
    {
        using var typeface = SKTypeface.FromFile(file);
        if (typeface is null || !typeface.TryGetTableData(FontNameTable.Tag, out var table) || table is null)
        {
            return null;
        }

        return ShortLicence(FontNameTable.Record(table, 13)) ?? ShortLicence(FontNameTable.Record(table, 14)) ?? ShortLicence(FontNameTable.Record(table, 0));
    }

    /// <summary>
    /// An SPDX-style name for a font licence text or URL: OFL-1.1 (the text says 1.1 or gives the OFL's
    /// URL), OFL-1.0, "OFL (version not stated)", Apache-2.0, UFL-1.0; null otherwise.
    /// </summary>
    internal static string? ShortLicence(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var url = Regex.IsMatch(text, @"scripts\.sil\.org/ofl|openfontlicense\.org", RegexOptions.IgnoreCase);
        if (url || Regex.IsMatch(text, @"open font licen[cs]e", RegexOptions.IgnoreCase))
        {
            return Regex.IsMatch(text, @"version 1\.0\b", RegexOptions.IgnoreCase) ? "OFL-1.0"
                : url || text.Contains("1.1", StringComparison.Ordinal) ? "OFL-1.1"
                : "OFL (version not stated)";
        }

        if (Regex.IsMatch(text, @"apache license|apache\.org/licenses", RegexOptions.IgnoreCase))
        {
            return "Apache-2.0";
        }

        return Regex.IsMatch(text, @"ubuntu font licen[cs]e", RegexOptions.IgnoreCase) ? "UFL-1.0" : null;
    }

    private static string FilePart(string? face) =>
        face is null ? string.Empty : face.Contains('#', StringComparison.Ordinal) ? face[..face.LastIndexOf('#')] : face;

    private static Dictionary<string, string> PackageOwners(HashSet<string> files)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(DpkgInfo))
        {
            return owners;
        }

        foreach (var list in Directory.EnumerateFiles(DpkgInfo, "*.list").Order(StringComparer.Ordinal))
        {
            var package = Path.GetFileNameWithoutExtension(list);
            var colon = package.IndexOf(':', StringComparison.Ordinal);
            package = colon > 0 ? package[..colon] : package;
            foreach (var line in File.ReadLines(list))
            {
                if (files.Contains(line))
                {
                    owners.TryAdd(line, package);
                }
            }
        }

        return owners;
    }

    private static List<(string[] Patterns, string Licence)> ReadCopyright(string package)
    {
        var path = $"/usr/share/doc/{package}/copyright";
        return File.Exists(path) ? ParseCopyright(File.ReadAllText(path)) : [];
    }

    /// <summary>The <c>Files:</c> stanzas of a DEP-5 copyright file (leaving out those only for debian/*), with the short licence name.</summary>
    internal static List<(string[] Patterns, string Licence)> ParseCopyright(string copyright)
    {
        var stanzas = new List<(string[], string)>();
        var text = copyright.Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var files = Field(paragraph, "Files");
            var licence = Field(paragraph, "License");
            if (files is null || licence is null)
            {
                continue;
            }

            var patterns = files.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (patterns.Length == 0 || patterns.All(p => p.StartsWith("debian/", StringComparison.Ordinal)))
            {
                continue;
            }

            stanzas.Add((patterns, licence.Split('\n')[0].Trim()));
        }

        return stanzas;
    }

    /// <summary>
    /// The licence of the last stanza with a pattern that matches the end of the installed path at a
    /// folder boundary (source paths and installed paths share at most their last folders); when
    /// none matches, every licence the file names.
    /// </summary>
    internal static string LicenceOf(string file, List<(string[] Patterns, string Licence)> stanzas, string package)
    {
        string? match = null;
        foreach (var (patterns, licence) in stanzas)
        {
            if (patterns.Any(p => Glob(p).IsMatch(file)))
            {
                match = licence;
            }
        }

        if (match is not null)
        {
            return match;
        }

        var all = stanzas.Select(s => s.Licence).Distinct(StringComparer.Ordinal).ToList();
        return all.Count > 0 ? string.Join(" and ", all) : $"see /usr/share/doc/{package}/copyright";
    }

    private static string? Field(string paragraph, string name)
    {
        var m = Regex.Match(paragraph, $@"^{name}:[ \t]*(?<v>.*(\n[ \t].*)*)", RegexOptions.Multiline);
        return m.Success ? m.Groups["v"].Value.Trim() : null;
    }

    private static Regex Glob(string pattern) =>
        new("(^|/)" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant);
}
