using System.Buffers.Binary;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace Xwp.Data;

/// <summary>
/// Renders the digits 0–9 of every usable font face found in font folders, TMNIST style, and
/// keeps each distinct digit set once. A face is skipped when its family name marks a symbol, icon,
/// emoji or math/TeX font, when its character map is a symbol map, when a digit has no glyph or no
/// outline (bitmap and colour fonts), when two digits share a glyph or look the same, or when its
/// ten digits look the same as those of a face kept before it (folders in the order given, paths in
/// ordinal order within each). A file that is not a readable font is skipped and named in
/// <see cref="FontRenderResult.Skipped"/>; the other files are still rendered.
/// </summary>
internal static partial class FontDigitRenderer
{
    /// <summary>The em size, in pixels, at which glyph outlines are rasterised before being fitted to 20×20.</summary>
    public const float RenderSize = 64f;

    /// <summary>
    /// Two images count as the same when their mean absolute pixel difference is below this (0–255
    /// scale): about 1% of full scale, so that hinting-level differences between copies of a design
    /// (e.g. two releases of one font) do not count as new digit sets.
    /// </summary>
    public const double SameImageThreshold = 2.5;

    public const string Digits = "0123456789";

    /// <summary>The reason given for a file that Skia cannot open as a font (corrupt, truncated or not a font).</summary>
    public const string NotAFont = "not a font Skia can read";

    private static readonly Lock CacheGate = new();
    private static (string Key, FontRenderResult Result)? _cache;

    /// <summary>
    /// Renders every usable face under the folders; returns the kept digit sets and what was skipped.
    /// The last result is kept for as long as the font files (paths, sizes and times) stay the same,
    /// so that loading the train and the test part renders once; with <paramref name="cacheFile"/> it is also
    /// kept in that file for later processes (see <see cref="RenderCacheFile"/>).
    /// </summary>
    public static FontRenderResult RenderFolders(IEnumerable<string> folders, bool useCache = true, string? cacheFile = null)
    {
        var files = FontFiles.Find(folders);
        if (!useCache)
        {
            return Render(files);
        }

        var key = string.Join("\n", files.Select(f =>
        {
            var info = new FileInfo(f);
            return $"{f}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        }));
        lock (CacheGate)
        {
            if (_cache is { } cached && cached.Key == key)
            {
                return cached.Result;
            }
        }

        string? unusable = null;
        var result = cacheFile is null ? null : RenderCacheFile.Read(cacheFile, key, out unusable);
        if (result is null)
        {
            result = Render(files);
            if (cacheFile is not null)
            {
                var written = RenderCacheFile.Write(cacheFile, key, result);
                if (unusable is not null)
                {
                    // A damaged or outdated cache is rendered again silently otherwise: say which file and why.
                    result = result with
                    {
                        CacheNote = $"The rendered-digit cache '{cacheFile}' {unusable}: rendered the fonts again" +
                                    (written ? " and rewrote it." : " (the file could not be rewritten)."),
                    };
                }
            }
        }

        lock (CacheGate)
        {
            _cache = (key, result);
        }

        return result;
    }

    private static FontRenderResult Render(IReadOnlyList<string> files)
    {
        var kept = new List<DigitSet>();
        var skipped = new List<(string Face, string Reason)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var faces = 0;
        foreach (var file in files)
        {
            for (var index = 0; index < 256; index++)
            {
                using var typeface = SKTypeface.FromFile(file, index);
                if (typeface is null)
                {
                    if (index == 0)
                    {
                        skipped.Add((file, NotAFont));
                        faces++;
                    }

                    break;
                }

                faces++;
                var face = index == 0 ? file : $"{file}#{index}";
                var (pixels, reason) = RenderFace(typeface);
                if (pixels is null)
                {
                    skipped.Add((face, reason!));
                    continue;
                }

                var same = kept.FindIndex(k => SameSet(k.Pixels, pixels));
                if (same >= 0)
                {
                    skipped.Add((face, $"same digits as {kept[same].Name}"));
                    continue;
                }

                var name = UniqueName(file, index, names);
                kept.Add(new DigitSet(name, FamilyOf(file, typeface), face, pixels));
            }
        }

        return new FontRenderResult(files.Count, faces, kept, skipped);
    }

    /// <summary>
    /// The face's family: for a Google Fonts npm file (<c>Family_WWWStyle.ttf</c>) the <c>family</c> of
    /// its package's <c>metadata.json</c> ("Abhaya Libre"), else its typographic family (OpenType name
    /// ID 16, which groups all weights), else the family name Skia reports (name ID 1, which for a
    /// static weight file can name the weight too: "Abhaya Libre Medium").
    /// </summary>
    internal static string FamilyOf(string file, SKTypeface typeface)
    {
        if (NpmStyle().IsMatch(Path.GetFileNameWithoutExtension(file)) && PackageFamily(file) is { Length: > 0 } package)
        {
            return package;
        }

        if (typeface.TryGetTableData(FontNameTable.Tag, out var table) && table is not null
            && FontNameTable.Record(table, 16) is { Length: > 0 } typographic)
        {
            return typographic;
        }

        return typeface.FamilyName ?? string.Empty;
    }

    /// <summary>The face's ten digits as 7,840 bytes, or null and the reason it is unusable.</summary>
    public static (byte[]? Pixels, string? Reason) RenderFace(SKTypeface typeface)
    {
        var family = typeface.FamilyName ?? string.Empty;
        if (SymbolFamily().IsMatch(family) || TexFamily().IsMatch(family))
        {
            return (null, $"symbol, icon or math family '{family}'");
        }

        if (HasOnlySymbolCmap(typeface))
        {
            return (null, "symbol character map");
        }

        var glyphs = typeface.GetGlyphs(Digits);
        if (glyphs.Length != 10 || glyphs.Any(g => g == 0))
        {
            return (null, "missing digit glyphs");
        }

        if (glyphs.Distinct().Count() != 10)
        {
            return (null, "digits share glyphs");
        }

        var pixels = new byte[DigitSet.Bytes];
        using var font = new SKFont(typeface, RenderSize) { Hinting = SKFontHinting.None, Subpixel = true, Edging = SKFontEdging.Antialias };
        using var paint = new SKPaint { Color = SKColors.White, IsAntialias = true, Style = SKPaintStyle.Fill };
        for (var d = 0; d < 10; d++)
        {
            var image = RenderGlyph(font, paint, glyphs[d]);
            if (image is null)
            {
                return (null, $"digit {d} has no outline (bitmap, colour or empty glyph)");
            }

            image.CopyTo(pixels, d * LabeledPixels.PixelCount);
        }

        for (var a = 0; a < 10; a++)
        {
            for (var b = a + 1; b < 10; b++)
            {
                if (MeanAbsDifference(pixels.AsSpan(a * LabeledPixels.PixelCount, LabeledPixels.PixelCount),
                        pixels.AsSpan(b * LabeledPixels.PixelCount, LabeledPixels.PixelCount), SameImageThreshold) < SameImageThreshold)
                {
                    return (null, $"digits {a} and {b} look the same");
                }
            }
        }

        return (pixels, null);
    }

    /// <summary>One glyph outline rasterised (light on black) and normalised to 28×28; null when it has no ink.</summary>
    private static byte[]? RenderGlyph(SKFont font, SKPaint paint, ushort glyph)
    {
        using var path = font.GetGlyphPath(glyph);
        if (path is null || path.IsEmpty)
        {
            return null;
        }

        var bounds = path.Bounds;
        if (!(bounds.Width > 0 && bounds.Height > 0) || bounds.Width > 16 * RenderSize || bounds.Height > 16 * RenderSize)
        {
            return null;
        }

        var width = (int)Math.Ceiling(bounds.Width) + 4;
        var height = (int)Math.Ceiling(bounds.Height) + 4;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            canvas.Translate(2 - bounds.Left, 2 - bounds.Top);
            canvas.DrawPath(path, paint);
            canvas.Flush();
        }

        return DigitNormalizer.Normalize(bitmap.GetPixelSpan(), width, height, bitmap.RowBytes);
    }

    /// <summary>Whether every digit of two sets looks the same (see <see cref="SameImageThreshold"/>).</summary>
    internal static bool SameSet(byte[] a, byte[] b) =>
        MeanAbsDifference(a, b, SameImageThreshold) < SameImageThreshold;

    /// <summary>Mean |a − b| over the pixels; stops early (returning a value ≥ <paramref name="stopAbove"/>) once it must exceed it.</summary>
    internal static double MeanAbsDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, double stopAbove)
    {
        var limit = stopAbove * a.Length;
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
            if ((i & 255) == 255 && sum >= limit)
            {
                return stopAbove;
            }
        }

        return (double)sum / a.Length;
    }

    /// <summary>
    /// Whether the face's 'cmap' table offers only the Windows symbol encoding (3, 0): such fonts
    /// put pictures or private characters where text fonts have letters and digits.
    /// </summary>
    private static bool HasOnlySymbolCmap(SKTypeface typeface)
    {
        const uint cmap = ('c' << 24) | ('m' << 16) | ('a' << 8) | 'p';
        if (!typeface.TryGetTableData(cmap, out var table) || table is null || table.Length < 4)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(table.AsSpan(2));
        bool symbol = false, unicode = false;
        for (var i = 0; i < count && 4 + 8 * i + 4 <= table.Length; i++)
        {
            var platform = BinaryPrimitives.ReadUInt16BigEndian(table.AsSpan(4 + 8 * i));
            var encoding = BinaryPrimitives.ReadUInt16BigEndian(table.AsSpan(4 + 8 * i + 2));
            if (platform == 3 && encoding == 0)
            {
                symbol = true;
            }
            else if (platform == 0 || (platform == 3 && encoding is 1 or 10))
            {
                unicode = true;
            }
        }

        return symbol && !unicode;
    }

    /// <summary>
    /// The style's name (<see cref="StyleName"/>, plus <c>#index</c> inside a collection), made unique
    /// with its folder.
    /// </summary>
    private static string UniqueName(string file, int index, HashSet<string> taken)
    {
        var stem = StyleName(file) + (index == 0 ? string.Empty : $"#{index}");
        if (taken.Add(stem))
        {
            return stem;
        }

        var folder = Path.GetFileName(Path.GetDirectoryName(file)) ?? string.Empty;
        var name = $"{folder}/{stem}";
        for (var n = 2; !taken.Add(name); n++)
        {
            name = $"{folder}/{stem}~{n}";
        }

        return name;
    }

    /// <summary>The <c>family</c> of the <c>metadata.json</c> in the file's folder or the one above it (the package's root); null when there is none.</summary>
    private static string? PackageFamily(string file)
    {
        var dir = Path.GetDirectoryName(file);
        for (var up = 0; up < 2 && !string.IsNullOrEmpty(dir); up++, dir = Path.GetDirectoryName(dir))
        {
            var metadata = Path.Combine(dir, "metadata.json");
            if (!File.Exists(metadata))
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(metadata));
                return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("family", out var family)
                    && family.ValueKind == JsonValueKind.String ? family.GetString() : null;
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The style name TMNIST uses (<c>Family-Style</c>, as Google Fonts names its files) for a font
    /// file: the Google Fonts npm packages' <c>Family_WWWStyle[_Italic]</c> file names become
    /// <c>Family-Style</c> (<c>Lobster_400Regular.ttf</c> → <c>Lobster-Regular</c>,
    /// <c>Roboto_700Bold_Italic.ttf</c> → <c>Roboto-BoldItalic</c>, <c>Roboto_400Regular_Italic.ttf</c>
    /// → <c>Roboto-Italic</c>); other files keep their name without the extension, which for most
    /// system fonts is already of that form (<c>DejaVuSans-Bold</c>).
    /// </summary>
    internal static string StyleName(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var m = NpmStyle().Match(stem);
        if (!m.Success)
        {
            return stem;
        }

        var style = m.Groups["style"].Value;
        if (m.Groups["italic"].Success)
        {
            style = style == "Regular" ? "Italic" : style + "Italic";
        }

        return $"{m.Groups["family"].Value}-{style}";
    }

    [GeneratedRegex(@"^(?<family>[A-Za-z0-9]+)_[1-9]00(?<style>[A-Za-z]+?)(?<italic>_Italic)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NpmStyle();

    [GeneratedRegex(@"symbol|dingbat|wingding|webding|emoji|icon|awesome|glyphicon|entypo|material design|braille|music|ornament|keyboard|math|d050000l|marlett|fontawesome",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SymbolFamily();

    /// <summary>TeX's own fonts (Computer Modern math and symbol fonts as LyX and MathJax ship them).</summary>
    [GeneratedRegex(@"^(cm(ex|mi|sy|r|bx|ti|ss|tt)\d*|esint\d*|eufm\d*|msam\d*|msbm\d*|rsfs\d*|stmary\d*|wasy\d*|mathjax.*|katex.*|jsmath.*)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TexFamily();
}

/// <summary>What rendering the font folders gave.</summary>
/// <param name="Files">Font files found.</param>
/// <param name="Faces">Faces in those files (collections hold several).</param>
/// <param name="Sets">The distinct digit sets kept, folder by folder in path order.</param>
/// <param name="Skipped">Each face not kept and why.</param>
internal sealed record FontRenderResult(int Files, int Faces, IReadOnlyList<DigitSet> Sets, IReadOnlyList<(string Face, string Reason)> Skipped)
{
    /// <summary>Set when a render cache file existed but could not be reused: the file, why, and that the fonts were rendered again.</summary>
    public string? CacheNote { get; init; }

    public int Families => Sets.Select(s => s.Family).Distinct(StringComparer.Ordinal).Count();

    /// <summary>The files that could not be opened as fonts, in the order found.</summary>
    public IReadOnlyList<string> Unreadable() =>
        Skipped.Where(s => s.Reason == FontDigitRenderer.NotAFont).Select(s => s.Face).ToList();

    /// <summary>Skipped faces counted by kind of reason (the text before any quote or font name).</summary>
    public IReadOnlyList<(string Reason, int Count)> SkippedByReason() =>
        Skipped.GroupBy(s => Kind(s.Reason)).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();

    private static string Kind(string reason)
    {
        if (reason.StartsWith("same digits as", StringComparison.Ordinal))
        {
            return "same digits as a font kept before";
        }

        if (reason.StartsWith("symbol, icon or math family", StringComparison.Ordinal))
        {
            return "symbol, icon or math family";
        }

        if (reason.StartsWith("digits ", StringComparison.Ordinal) && reason.EndsWith("look the same", StringComparison.Ordinal))
        {
            return "digits look the same";
        }

        return reason.StartsWith("digit ", StringComparison.Ordinal) ? "digit without outline" : reason;
    }
}
