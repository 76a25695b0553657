using System.Buffers.Binary;
using System.Text;

namespace Xwp.Data;

/// <summary>Reads records of a font's OpenType 'name' table (family names, licence texts).</summary>
internal static class FontNameTable
{
    /// <summary>The table's tag, 'name', as a big-endian number.</summary>
    public const uint Tag = ('n' << 24) | ('a' << 16) | ('m' << 8) | 'e';

    private const ushort EnglishUs = 0x409;

    /// <summary>
    /// A record of an OpenType 'name' table: the Windows Unicode one (platform 3, encoding 1 or 10) in
    /// US English, else in the first language listed, else the Mac Roman one (1, 0); null when absent
    /// or cut off.
    /// </summary>
    public static string? Record(ReadOnlySpan<byte> table, int nameId)
    {
        if (table.Length < 6)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(table[2..]);
        var strings = BinaryPrimitives.ReadUInt16BigEndian(table[4..]);
        string? windows = null, mac = null;
        for (var i = 0; i < count && 6 + 12 * (i + 1) <= table.Length; i++)
        {
            var record = table.Slice(6 + 12 * i, 12);
            var platform = BinaryPrimitives.ReadUInt16BigEndian(record);
            var encoding = BinaryPrimitives.ReadUInt16BigEndian(record[2..]);
            var id = BinaryPrimitives.ReadUInt16BigEndian(record[6..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(record[8..]);
            var offset = BinaryPrimitives.ReadUInt16BigEndian(record[10..]);
            if (id != nameId || strings + offset + length > table.Length)
            {
                continue;
            }

            var bytes = table.Slice(strings + offset, length);
            if (platform == 3 && encoding is 1 or 10)
            {
                var language = BinaryPrimitives.ReadUInt16BigEndian(record[4..]);
                if (language == EnglishUs)
                {
                    return Encoding.BigEndianUnicode.GetString(bytes);
                }

                windows ??= Encoding.BigEndianUnicode.GetString(bytes);
                continue;
            }

            if (platform == 1 && encoding == 0)
            {
                mac ??= Encoding.Latin1.GetString(bytes);
            }
        }

        return windows ?? mac;
    }
}
