using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Xwp.Data;

/// <summary>
/// The compact digit-set format of the embedded TMNIST-style set (<c>.xwpd.gz</c>), gzip-compressed:
/// the ASCII magic <c>XWPD</c>, a format byte (1), the number of sets S (int32, little-endian), then
/// S × (name, family), each a uint16 byte length and UTF-8 text, then S × 10 × 784 pixel bytes
/// (28×28, digits 0–9 of each set in turn, light on black).
/// </summary>
internal static class EmbeddedDigits
{
    public const string ResourceName = "Xwp.Data.tmnist-style.xwpd.gz";
    private static readonly byte[] Magic = "XWPD"u8.ToArray();
    private const byte Version = 1;

    /// <summary>Whether the assembly carries the embedded set.</summary>
    public static bool IsPresent => typeof(EmbeddedDigits).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    /// <summary>Reads the embedded set.</summary>
    public static IReadOnlyList<DigitSet> Load()
    {
        using var stream = typeof(EmbeddedDigits).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new XwpDataException($"The embedded TMNIST-style set ({ResourceName}) is missing from {typeof(EmbeddedDigits).Assembly.GetName().Name}; it is built by 'xwp data build-embedded'.");
        return Read(stream, $"embedded resource {ResourceName}");
    }

    public static void Write(Stream output, IReadOnlyList<DigitSet> sets)
    {
        using var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
        gzip.Write(Magic);
        gzip.WriteByte(Version);
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, sets.Count);
        gzip.Write(four);
        foreach (var set in sets)
        {
            WriteText(gzip, set.Name);
            WriteText(gzip, set.Family);
        }

        foreach (var set in sets)
        {
            if (set.Pixels.Length != DigitSet.Bytes)
            {
                throw new ArgumentException($"Digit set '{set.Name}' has {set.Pixels.Length} bytes; expected {DigitSet.Bytes}.", nameof(sets));
            }

            gzip.Write(set.Pixels);
        }
    }

    public static IReadOnlyList<DigitSet> Read(Stream compressed, string name)
    {
        try
        {
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            var head = ReadExactly(gzip, 9, name, "header");
            if (!head.AsSpan(0, 4).SequenceEqual(Magic) || head[4] != Version)
            {
                throw XwpDataException.InFile(name, "not an Xwp digit-set file (magic 'XWPD', format 1)");
            }

            var count = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(5));
            if (count is < 0 or > int.MaxValue / DigitSet.Bytes)
            {
                throw XwpDataException.InFile(name, $"impossible set count {count}");
            }

            var meta = new (string Name, string Family)[count];
            for (var i = 0; i < count; i++)
            {
                meta[i] = (ReadText(gzip, name), ReadText(gzip, name));
            }

            var sets = new List<DigitSet>(count);
            for (var i = 0; i < count; i++)
            {
                sets.Add(new DigitSet(meta[i].Name, meta[i].Family, null, ReadExactly(gzip, DigitSet.Bytes, name, $"pixels of set {i + 1}")));
            }

            if (gzip.ReadByte() != -1)
            {
                throw XwpDataException.InFile(name, $"extra bytes after the {count} digit sets");
            }

            return sets;
        }
        catch (InvalidDataException e)
        {
            throw XwpDataException.InFile(name, $"corrupt or truncated gzip data ({e.Message})", e);
        }
    }

    private static void WriteText(Stream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"Name '{text[..40]}…' is too long.", nameof(text));
        }

        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)bytes.Length);
        stream.Write(two);
        stream.Write(bytes);
    }

    private static string ReadText(Stream stream, string name)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(ReadExactly(stream, 2, name, "a name's length"));
        return Encoding.UTF8.GetString(ReadExactly(stream, length, name, "a name"));
    }

    private static byte[] ReadExactly(Stream stream, int count, string name, string what)
    {
        var buffer = new byte[count];
        if (stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false) < count)
        {
            throw XwpDataException.InFile(name, $"truncated inside {what}");
        }

        return buffer;
    }
}
