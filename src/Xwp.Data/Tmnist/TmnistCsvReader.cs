using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Xwp.Data;

/// <summary>
/// Reads Typeface-MNIST's CSV (<c>TMNIST_Data.csv</c>) line by line: a header
/// <c>names,labels,1,2,…,784</c>, then one row per image: the font name, the digit 0–9 and 784 pixel
/// values 0–255 (light glyph on black), row by row. A gzip-compressed file is read as well.
/// </summary>
internal static class TmnistCsvReader
{
    public const string EnvironmentVariable = "XWP_TMNIST";
    private const int Columns = 2 + LabeledPixels.PixelCount;

    public static LabeledPixels Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new XwpDataException($"'{path}': file not found.");
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Stream stream = IdxReader.IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        try
        {
            return Read(stream, path);
        }
        finally
        {
            if (!ReferenceEquals(stream, file))
            {
                stream.Dispose();
            }
        }
    }

    public static LabeledPixels Read(Stream stream, string name)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false),
            detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var header = NextLine(reader, name) ?? throw XwpDataException.InFile(name, "empty; expected the header 'names,labels,1,…,784'");
        CheckHeader(header, name);

        var pixels = new List<byte[]>();
        var labels = new List<long>();
        var fonts = new List<string>();
        var lineNumber = 1;
        var fields = new string[Columns];
        string? line;
        while ((line = NextLine(reader, name)) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var count = Split(line, fields, name, lineNumber);
            if (count != Columns)
            {
                throw XwpDataException.InFile(name, $"line {lineNumber} has {count} fields; the header has {Columns} (names, labels, 1…784)");
            }

            var font = fields[0].Trim();
            if (font.Length == 0)
            {
                throw XwpDataException.InFile(name, $"line {lineNumber}, column 'names': the font name is empty");
            }

            var label = Number(fields[1], name, lineNumber, "labels", 9);
            var row = new byte[LabeledPixels.PixelCount];
            for (var p = 0; p < row.Length; p++)
            {
                row[p] = (byte)Number(fields[p + 2], name, lineNumber, (p + 1).ToString(CultureInfo.InvariantCulture), 255);
            }

            fonts.Add(font);
            labels.Add(label);
            pixels.Add(row);
        }

        if (labels.Count == 0)
        {
            throw XwpDataException.InFile(name, "has a header but no rows");
        }

        var all = new byte[(long)pixels.Count * LabeledPixels.PixelCount];
        for (var i = 0; i < pixels.Count; i++)
        {
            pixels[i].CopyTo(all, (long)i * LabeledPixels.PixelCount);
        }

        var families = fonts.Distinct(StringComparer.Ordinal).ToDictionary(f => f, FamilyOf, StringComparer.Ordinal);
        return new LabeledPixels(all, [.. labels], [.. fonts], families);
    }

    /// <summary>TMNIST names are Google Fonts file names, <c>Family-Style</c>: the family is the part before the last dash.</summary>
    internal static string FamilyOf(string font)
    {
        var dash = font.LastIndexOf('-');
        return dash > 0 ? font[..dash] : font;
    }

    private static void CheckHeader(string header, string name)
    {
        var fields = new string[Columns + 1];
        var count = Split(header, fields, name, 1);
        if (count >= 1 && !string.Equals(fields[0].Trim(), "names", StringComparison.Ordinal))
        {
            throw XwpDataException.InFile(name, $"the header's first column is '{Short(fields[0])}'; expected 'names' (header 'names,labels,1,…,784')");
        }

        if (count >= 2 && !string.Equals(fields[1].Trim(), "labels", StringComparison.Ordinal))
        {
            throw XwpDataException.InFile(name, $"the header's second column is '{Short(fields[1])}'; expected 'labels' (header 'names,labels,1,…,784')");
        }

        for (var i = 2; i < Math.Min(count, Columns); i++)
        {
            var expected = (i - 1).ToString(CultureInfo.InvariantCulture);
            if (!string.Equals(fields[i].Trim(), expected, StringComparison.Ordinal))
            {
                throw XwpDataException.InFile(name, $"header column {i + 1} is '{Short(fields[i])}'; expected '{expected}' (header 'names,labels,1,…,784')");
            }
        }

        if (count != Columns)
        {
            throw XwpDataException.InFile(name,
                count < Columns
                    ? $"missing columns: the header has {count} columns; expected {Columns} (names, labels, 1…784)"
                    : $"the header has more than {Columns} columns; expected names, labels, 1…784");
        }
    }

    /// <summary>Parses a whole number in [0, max]; a value like "12.0" is accepted when it is whole.</summary>
    private static int Number(string text, string name, int line, string column, int max)
    {
        var s = text.Trim();
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
            {
                throw XwpDataException.InFile(name, $"line {line}, column '{column}': '{Short(s)}' is not a number");
            }

            if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue)
            {
                throw XwpDataException.InFile(name, $"line {line}, column '{column}': {Short(s)} is not a whole number in 0–{max}");
            }

            value = (int)d;
        }

        return value < 0 || value > max
            ? throw XwpDataException.InFile(name, $"line {line}, column '{column}': {value} is outside 0–{max}")
            : value;
    }

    /// <summary>Splits a CSV line into at most fields.Length fields (double-quoted fields allowed); returns the field count.</summary>
    private static int Split(string line, string[] fields, string name, int lineNumber)
    {
        var count = 0;
        var i = 0;
        var builder = new StringBuilder();
        while (true)
        {
            string field;
            if (i < line.Length && line[i] == '"')
            {
                builder.Clear();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw XwpDataException.InFile(name, $"line {lineNumber}: a quoted field is not closed");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            builder.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    builder.Append(line[i++]);
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw XwpDataException.InFile(name, $"line {lineNumber}: text after the closing quote of field {count + 1}");
                }

                field = builder.ToString();
            }
            else
            {
                var comma = line.IndexOf(',', i);
                var end = comma < 0 ? line.Length : comma;
                field = line[i..end];
                i = end;
            }

            if (count < fields.Length)
            {
                fields[count] = field;
            }

            count++;
            if (i >= line.Length)
            {
                return count;
            }

            i++; // the comma
            if (i == line.Length)
            {
                // A trailing comma ends with an empty field.
                if (count < fields.Length)
                {
                    fields[count] = string.Empty;
                }

                return count + 1;
            }
        }
    }

    private static string? NextLine(StreamReader reader, string name)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw XwpDataException.InFile(name, $"corrupt or truncated gzip data ({e.Message})", e);
        }
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
