using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Xwp.IO;

/// <summary>
/// The header of a NumPy <c>.npy</c> file: reading and checking it, and building one to write.
/// </summary>
/// <remarks>
/// Layout (NumPy's NEP 1 format, versions 1.0, 2.0 and 3.0): the magic <c>\x93NUMPY</c>, a major and a
/// minor version byte, the header length (little-endian <c>u16</c> in 1.0, <c>u32</c> in 2.0 and 3.0),
/// then the header: a Python dict literal with the keys <c>descr</c>, <c>fortran_order</c> and
/// <c>shape</c>, padded with spaces and ending in <c>\n</c> (Latin-1 in 1.0 and 2.0, UTF-8 in 3.0).
/// The raw array data follows.
/// </remarks>
internal sealed class NpyHeader
{
    /// <summary>The six magic bytes every <c>.npy</c> file starts with.</summary>
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>NumPy aligns the start of the data to this many bytes.</summary>
    internal const int Alignment = 64;

    /// <summary>Headers longer than this are refused before they are read (NumPy's own limit is 10,000).</summary>
    internal const int MaxHeaderLength = 1 << 20;

    /// <summary>The most dimensions a file may declare.</summary>
    internal const int MaxRank = 64;

    /// <summary>NumPy leaves room in the header for the growing axis to reach this many digits.</summary>
    private const int GrowthAxisMaxDigits = 21;

    private static readonly (string Code, ScalarType Type, int Size, string Name)[] Supported =
    [
        ("f4", ScalarType.Float32, 4, "float32"),
        ("f8", ScalarType.Float64, 8, "float64"),
        ("i4", ScalarType.Int32, 4, "int32"),
        ("i8", ScalarType.Int64, 8, "int64"),
        ("u1", ScalarType.Byte, 1, "uint8"),
        ("b1", ScalarType.Bool, 1, "bool"),
    ];

    private NpyHeader(byte major, byte minor, string descr, ScalarType dtype, int elementSize, bool fortranOrder, long[] shape, long dataOffset, long dataLength)
    {
        Major = major;
        Minor = minor;
        Descr = descr;
        DType = dtype;
        ElementSize = elementSize;
        FortranOrder = fortranOrder;
        Shape = shape;
        DataOffset = dataOffset;
        DataLength = dataLength;
    }

    internal byte Major { get; }

    internal byte Minor { get; }

    /// <summary>The <c>descr</c> entry as written, e.g. <c>&lt;f4</c>.</summary>
    internal string Descr { get; }

    internal ScalarType DType { get; }

    internal int ElementSize { get; }

    internal bool FortranOrder { get; }

    internal long[] Shape { get; }

    /// <summary>Where the data starts, in bytes from the start of the file.</summary>
    internal long DataOffset { get; }

    /// <summary>How many bytes of data the shape and dtype call for.</summary>
    internal long DataLength { get; }

    /// <summary>The supported <c>descr</c> values, for messages.</summary>
    internal static string SupportedList =>
        string.Join(", ", Supported.Select(s => $"'{(s.Size == 1 ? '|' : '<')}{s.Code}' ({s.Name})"));

    /// <summary>A shape as Python writes it: <c>()</c>, <c>(5,)</c>, <c>(2, 3)</c>.</summary>
    internal static string FormatShape(ReadOnlySpan<long> shape) => shape.Length switch
    {
        0 => "()",
        1 => string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)"),
        _ => "(" + string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
    };

    /// <summary>The name NumPy and PyTorch use for a dtype, for messages.</summary>
    internal static string NameOf(ScalarType dtype)
    {
        foreach (var s in Supported)
        {
            if (s.Type == dtype)
            {
                return s.Name;
            }
        }

        return dtype.ToString();
    }

    internal static InvalidDataException Invalid(string path, string problem) =>
        new($"'{path}' is not a readable .npy file: {problem}");

    /// <summary>
    /// Reads and checks the header at the start of <paramref name="stream"/> and leaves the stream at
    /// the first data byte. Checks that the file holds exactly the data the header calls for.
    /// </summary>
    /// <exception cref="InvalidDataException">Anything is wrong with the header or the file's length.</exception>
    internal static NpyHeader Read(Stream stream, string path)
    {
        var fileLength = stream.Length;
        Span<byte> preamble = stackalloc byte[12];
        var got = ReadUpTo(stream, preamble[..8]);
        if (got < 8 || !preamble[..6].SequenceEqual(Magic))
        {
            throw Invalid(path, "bad magic: the file does not start with \\x93NUMPY followed by a version");
        }

        var major = preamble[6];
        var minor = preamble[7];
        if (minor != 0 || major is < 1 or > 3)
        {
            throw Invalid(path, $"unsupported format version {major}.{minor}; supported are 1.0, 2.0 and 3.0");
        }

        var lengthSize = major == 1 ? 2 : 4;
        if (ReadUpTo(stream, preamble.Slice(8, lengthSize)) < lengthSize)
        {
            throw Invalid(path, "the file ends inside the header length field");
        }

        var headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(preamble.Slice(8, 2))
            : (long)BinaryPrimitives.ReadUInt32LittleEndian(preamble.Slice(8, 4));
        long headerStart = 8 + lengthSize;
        if (headerLength > MaxHeaderLength)
        {
            throw Invalid(path, $"the header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
        }

        if (headerStart + headerLength > fileLength)
        {
            throw Invalid(path, $"truncated header: expected {headerLength} header bytes but only {fileLength - headerStart} follow");
        }

        var headerBytes = new byte[headerLength];
        if (ReadUpTo(stream, headerBytes) < headerLength)
        {
            throw Invalid(path, $"truncated header: expected {headerLength} header bytes");
        }

        string text;
        try
        {
            text = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid(path, "malformed header: a version 3.0 header is not valid UTF-8");
        }

        var (descr, fortranOrder, shape) = ParseDict(text, path);
        var (dtype, elementSize) = ResolveDescr(descr, path);
        if (fortranOrder && shape.Length > 1)
        {
            throw Invalid(path, $"the data is in Fortran order (fortran_order: True) with shape {FormatShape(shape)}; only C order is supported (save np.ascontiguousarray(a) instead)");
        }

        long dataLength;
        try
        {
            dataLength = elementSize;
            foreach (var d in shape)
            {
                dataLength = checked(dataLength * d);
            }
        }
        catch (OverflowException)
        {
            throw Invalid(path, $"malformed header: the shape {FormatShape(shape)} is too large");
        }

        var dataOffset = headerStart + headerLength;
        var actual = fileLength - dataOffset;
        if (actual != dataLength)
        {
            var what = actual < dataLength ? "truncated data" : "unexpected bytes after the data";
            throw Invalid(path, $"{what}: shape {FormatShape(shape)} of {descr} needs {dataLength} data bytes but the file has {actual}");
        }

        return new NpyHeader(major, minor, descr, dtype, elementSize, fortranOrder, shape, dataOffset, dataLength);
    }

    /// <summary>
    /// The bytes of a header for C-order data of <paramref name="dtype"/> and <paramref name="shape"/>,
    /// laid out as NumPy's <c>np.save</c> lays it out: version 1.0 unless the header needs 2.0, keys in
    /// sorted order, spare room for the first axis to grow, spaces up to a multiple of 64 bytes, <c>\n</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not supported.</exception>
    internal static byte[] Build(ScalarType dtype, ReadOnlySpan<long> shape)
    {
        var descr = DescrOf(dtype)
            ?? throw new ArgumentException($"dtype {dtype} cannot be written to .npy; supported are {SupportedList}", nameof(dtype));
        var dict = new StringBuilder()
            .Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': ")
            .Append(FormatShape(shape)).Append(", }");
        if (shape.Length > 0)
        {
            var digits = shape[0].ToString(CultureInfo.InvariantCulture).Length;
            dict.Append(' ', Math.Max(0, GrowthAxisMaxDigits - digits));
        }

        var body = Encoding.Latin1.GetBytes(dict.ToString());
        byte major = 1;
        var (preambleLength, padding, headerLength) = Layout(10, body.Length);
        if (headerLength > ushort.MaxValue)
        {
            major = 2;
            (preambleLength, padding, headerLength) = Layout(12, body.Length);
        }

        var bytes = new byte[preambleLength + headerLength];
        Magic.CopyTo(bytes);
        bytes[6] = major;
        bytes[7] = 0;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8, 2), (ushort)headerLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8, 4), (uint)headerLength);
        }

        body.CopyTo(bytes, preambleLength);
        bytes.AsSpan(preambleLength + body.Length, padding).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    // NumPy always pads with 1 to 64 spaces before the '\n', so an already aligned header still gets 64.
    private static (int PreambleLength, int Padding, int HeaderLength) Layout(int preambleLength, int bodyLength)
    {
        var padding = Alignment - ((preambleLength + bodyLength + 1) % Alignment);
        return (preambleLength, padding, bodyLength + padding + 1);
    }

    /// <summary>The <c>descr</c> NumPy writes for <paramref name="dtype"/>, or null if it is not supported.</summary>
    internal static string? DescrOf(ScalarType dtype)
    {
        foreach (var s in Supported)
        {
            if (s.Type == dtype)
            {
                return (s.Size == 1 ? "|" : "<") + s.Code;
            }
        }

        return null;
    }

    private static (ScalarType Type, int Size) ResolveDescr(string descr, string path)
    {
        if (descr.Length == 3)
        {
            var order = descr[0];
            var code = descr.Substring(1);
            foreach (var s in Supported)
            {
                if (s.Code != code)
                {
                    continue;
                }

                if (s.Size == 1 || order == '<' || (order == '=' && BitConverter.IsLittleEndian))
                {
                    return (s.Type, s.Size);
                }

                if (order == '>' || order == '=')
                {
                    throw Invalid(path, $"the data is big-endian (descr '{descr}'); only little-endian data is supported (save a.astype('<{code}') instead)");
                }
            }
        }

        throw Invalid(path, $"unsupported dtype '{descr}'; supported are {SupportedList}");
    }

    private static (string Descr, bool FortranOrder, long[] Shape) ParseDict(string text, string path)
    {
        Dictionary<string, object?> dict;
        try
        {
            dict = new PyLiteralParser(text).ParseHeader();
        }
        catch (FormatException e)
        {
            throw Invalid(path, $"malformed header dict: {e.Message}; the header is {Quote(text)}");
        }

        string[] expected = ["descr", "fortran_order", "shape"];
        var missing = expected.Where(k => !dict.ContainsKey(k)).ToArray();
        var extra = dict.Keys.Where(k => !expected.Contains(k)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            var parts = new List<string>();
            if (missing.Length > 0)
            {
                parts.Add("missing " + string.Join(", ", missing.Select(k => $"'{k}'")));
            }

            if (extra.Length > 0)
            {
                parts.Add("unexpected " + string.Join(", ", extra.Select(k => $"'{k}'")));
            }

            throw Invalid(path, $"malformed header dict: the keys must be 'descr', 'fortran_order' and 'shape' ({string.Join("; ", parts)})");
        }

        if (dict["descr"] is not string descr)
        {
            throw Invalid(path, dict["descr"] is List<object?>
                ? "unsupported dtype: structured (record) arrays are not supported; supported are " + SupportedList
                : "malformed header dict: 'descr' is not a string");
        }

        if (dict["fortran_order"] is not bool fortranOrder)
        {
            throw Invalid(path, "malformed header dict: 'fortran_order' is not True or False");
        }

        if (dict["shape"] is not PyTuple tuple)
        {
            throw Invalid(path, "malformed header dict: 'shape' is not a tuple");
        }

        if (tuple.Items.Count > MaxRank)
        {
            throw Invalid(path, $"malformed header dict: the shape has {tuple.Items.Count} dimensions, more than {MaxRank}");
        }

        var shape = new long[tuple.Items.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            if (tuple.Items[i] is not long d || d < 0)
            {
                throw Invalid(path, "malformed header dict: 'shape' must hold non-negative integers");
            }

            shape[i] = d;
        }

        return (descr, fortranOrder, shape);
    }

    private static string Quote(string text)
    {
        var shown = text.TrimEnd();
        if (shown.Length > 200)
        {
            shown = string.Concat(shown.AsSpan(0, 200), "...");
        }

        return "\"" + shown.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>A Python tuple, kept apart from a list because <c>shape</c> must be a tuple.</summary>
    private sealed record PyTuple(List<object?> Items);

    /// <summary>
    /// Reads the small subset of Python literals that <c>.npy</c> headers use: a dict with string keys
    /// whose values are strings, <c>True</c>/<c>False</c>/<c>None</c>, integers, tuples and lists.
    /// Throws <see cref="FormatException"/> with a short reason and position on anything else.
    /// </summary>
    private sealed class PyLiteralParser(string text)
    {
        private const int MaxDepth = 16;
        private int _pos;
        private int _depth;

        internal Dictionary<string, object?> ParseHeader()
        {
            SkipSpace();
            if (Peek() != '{')
            {
                throw Error("expected '{'");
            }

            var dict = ParseDict();
            SkipSpace();
            if (_pos != text.Length)
            {
                throw Error("unexpected text after the dict");
            }

            return dict;
        }

        private Dictionary<string, object?> ParseDict()
        {
            Expect('{');
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                SkipSpace();
                if (Peek() == '}')
                {
                    _pos++;
                    return dict;
                }

                var keyAt = _pos;
                if (ParseValue() is not string key)
                {
                    _pos = keyAt;
                    throw Error("dict keys must be strings");
                }

                SkipSpace();
                Expect(':');
                var value = ParseValue();
                if (!dict.TryAdd(key, value))
                {
                    _pos = keyAt;
                    throw Error($"duplicate key '{key}'");
                }

                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                }
                else if (Peek() != '}')
                {
                    throw Error("expected ',' or '}'");
                }
            }
        }

        private object? ParseValue()
        {
            SkipSpace();
            var c = Peek();
            switch (c)
            {
                case '\'' or '"':
                    return ParseString();
                case '(':
                    return new PyTuple(ParseSequence('(', ')'));
                case '[':
                    return ParseSequence('[', ']');
                case '{':
                    Enter();
                    var nested = ParseDict();
                    _depth--;
                    return nested;
                case '-' or '+' or (>= '0' and <= '9'):
                    return ParseInteger();
                case (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or '_':
                    return ParseName();
                default:
                    throw Error(c == '\0' ? "unexpected end of header" : $"unexpected character '{c}'");
            }
        }

        private List<object?> ParseSequence(char open, char close)
        {
            Enter();
            Expect(open);
            var items = new List<object?>();
            var trailingComma = false;
            while (true)
            {
                SkipSpace();
                if (Peek() == close)
                {
                    _pos++;
                    break;
                }

                items.Add(ParseValue());
                SkipSpace();
                trailingComma = false;
                if (Peek() == ',')
                {
                    _pos++;
                    trailingComma = true;
                }
                else if (Peek() != close)
                {
                    throw Error($"expected ',' or '{close}'");
                }
            }

            // Python reads "(3)" as the integer 3, not a tuple.
            if (open == '(' && items.Count == 1 && !trailingComma)
            {
                throw Error("a one-element tuple needs a trailing comma, as in (3,)");
            }

            _depth--;
            return items;
        }

        private string ParseString()
        {
            var quote = text[_pos++];
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length || text[_pos] == '\n')
                {
                    throw Error("unterminated string");
                }

                var c = text[_pos++];
                if (c == quote)
                {
                    return sb.ToString();
                }

                if (c == '\\')
                {
                    if (_pos >= text.Length)
                    {
                        throw Error("unterminated string");
                    }

                    c = text[_pos++];
                    if (c is not ('\\' or '\'' or '"'))
                    {
                        sb.Append('\\');
                    }
                }

                sb.Append(c);
            }
        }

        private long ParseInteger()
        {
            var start = _pos;
            if (Peek() is '-' or '+')
            {
                _pos++;
            }

            var digitsStart = _pos;
            while (Peek() is >= '0' and <= '9')
            {
                _pos++;
            }

            if (_pos == digitsStart)
            {
                throw Error("expected digits");
            }

            var number = text.AsSpan(start, _pos - start);

            // Files written by NumPy under Python 2 may spell long integers as 3L.
            if (Peek() is 'L' or 'l')
            {
                _pos++;
            }

            if (Peek() is '.' or 'e' or 'E' or 'j' or 'J' or 'x' or 'X' or '_')
            {
                throw Error("only decimal integers are supported");
            }

            if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                _pos = start;
                throw Error("integer out of range");
            }

            return value;
        }

        private object? ParseName()
        {
            var start = _pos;
            while (Peek() is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')
            {
                _pos++;
            }

            var name = text[start.._pos];
            switch (name)
            {
                case "True":
                    return true;
                case "False":
                    return false;
                case "None":
                    return null;
                default:
                    _pos = start;
                    throw Error($"unexpected name '{name}'");
            }
        }

        private void Enter()
        {
            if (++_depth > MaxDepth)
            {
                throw Error("nested too deeply");
            }
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (Peek() != c)
            {
                throw Error($"expected '{c}'");
            }

            _pos++;
        }

        private char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private void SkipSpace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
        }

        private FormatException Error(string reason) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{reason} at character {_pos}"));
    }
}
