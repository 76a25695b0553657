using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Xwp.Tests.Data;

/// <summary>Writes small IDX and TMNIST CSV files for the tests (never real data).</summary>
internal static class DataFiles
{
    public const string DejaVuFolder = "/usr/share/fonts/truetype/dejavu";

    /// <summary>An IDX file: magic 0x000008{rank}, the dimensions big-endian, then the bytes.</summary>
    public static byte[] Idx(int[] dims, byte[] data, int? magic = null)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic ?? (0x0800 | dims.Length));
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }

        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    /// <summary>Images whose pixel p of image i is (7·i + p) mod 256.</summary>
    public static byte[] ImagePixels(int count) =>
        [.. Enumerable.Range(0, count * 784).Select(k => (byte)((7 * (k / 784) + k % 784) % 256))];

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Writes the four Fashion-MNIST files (train: <paramref name="train"/> images, test: <paramref name="test"/>).</summary>
    public static void WriteFashionFolder(string folder, int train, int test, bool gzip)
    {
        Directory.CreateDirectory(folder);
        void Write(string name, byte[] bytes) =>
            File.WriteAllBytes(Path.Combine(folder, gzip ? name + ".gz" : name), gzip ? Gzip(bytes) : bytes);
        Write("train-images-idx3-ubyte", Idx([train, 28, 28], ImagePixels(train)));
        Write("train-labels-idx1-ubyte", Idx([train], [.. Enumerable.Range(0, train).Select(i => (byte)(i % 10))]));
        Write("t10k-images-idx3-ubyte", Idx([test, 28, 28], [.. ImagePixels(test).Select(b => (byte)(255 - b))]));
        Write("t10k-labels-idx1-ubyte", Idx([test], [.. Enumerable.Range(0, test).Select(i => (byte)(9 - i % 10))]));
    }

    public const string CsvHeaderText = "names,labels";

    /// <summary>The header names,labels,1,…,784.</summary>
    public static string CsvHeader() =>
        CsvHeaderText + string.Concat(Enumerable.Range(1, 784).Select(i => "," + i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A row whose pixel p is (label·10 + p) mod 256.</summary>
    public static string CsvRow(string font, int label) =>
        $"{font},{label}" + string.Concat(Enumerable.Range(0, 784).Select(p => "," + ((label * 10 + p) % 256).ToString(CultureInfo.InvariantCulture)));

    /// <summary>A CSV of the given fonts, each with the digits 0–9 in order.</summary>
    public static string Csv(params string[] fonts)
    {
        var text = new StringBuilder(CsvHeader()).Append('\n');
        foreach (var font in fonts)
        {
            for (var d = 0; d < 10; d++)
            {
                text.Append(CsvRow(font, d)).Append('\n');
            }
        }

        return text.ToString();
    }
}
