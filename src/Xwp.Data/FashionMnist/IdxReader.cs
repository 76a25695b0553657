using System.Buffers.Binary;
using System.IO.Compression;

namespace Xwp.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST, raw or gzip-compressed: a 4-byte magic number
/// (two zero bytes, the element type 0x08 for unsigned bytes, the number of dimensions), each
/// dimension as a big-endian int32, then the elements. Images are <c>[N, 28, 28]</c> (magic
/// 0x00000803), labels <c>[N]</c> (magic 0x00000801) with values 0–9.
/// </summary>
internal static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    /// <summary>Largest number of images accepted: the pixel bytes must fit one array.</summary>
    private const int MaxImages = int.MaxValue / LabeledPixels.PixelCount;

    /// <summary>Reads an images file into N×784 bytes; returns the bytes and N.</summary>
    public static byte[] ReadImages(string path)
    {
        using var stream = Open(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads a labels file into int64 labels 0–9.</summary>
    public static long[] ReadLabels(string path, int classes = 10)
    {
        using var stream = Open(path);
        return ReadLabels(stream, path, classes);
    }

    public static byte[] ReadImages(Stream stream, string name)
    {
        var dims = ReadHeader(stream, name, ImagesMagic, "an images file", rank: 3);
        if (dims[1] != LabeledPixels.Side || dims[2] != LabeledPixels.Side)
        {
            throw XwpDataException.InFile(name, $"images are {dims[1]}×{dims[2]} pixels; expected 28×28");
        }

        if (dims[0] > MaxImages)
        {
            throw XwpDataException.InFile(name, $"{dims[0]} images are more than the {MaxImages} Xwp can hold");
        }

        return ReadBody(stream, name, dims[0] * LabeledPixels.PixelCount, $"{dims[0]} images of 28×28 pixels");
    }

    public static long[] ReadLabels(Stream stream, string name, int classes = 10)
    {
        var dims = ReadHeader(stream, name, LabelsMagic, "a labels file", rank: 1);
        var bytes = ReadBody(stream, name, dims[0], $"{dims[0]} labels");
        var labels = new long[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] >= classes)
            {
                throw XwpDataException.InFile(name, $"label {bytes[i]} at index {i} is outside 0–{classes - 1}");
            }

            labels[i] = bytes[i];
        }

        return labels;
    }

    /// <summary>Opens a file, through a gzip decompressor when it starts with gzip's magic bytes 1F 8B.</summary>
    public static Stream Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new XwpDataException($"'{path}': file not found.");
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            return IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Whether a seekable stream starts with gzip's magic bytes; leaves the position at 0.</summary>
    public static bool IsGzip(Stream seekable)
    {
        Span<byte> magic = stackalloc byte[2];
        var n = seekable.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        seekable.Position = 0;
        return n == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    private static int[] ReadHeader(Stream stream, string name, int magic, string kind, int rank)
    {
        Span<byte> head = stackalloc byte[4];
        if (Fill(stream, name, head) < 4)
        {
            throw XwpDataException.InFile(name, $"too short for an IDX file (no 4-byte magic number); truncated or empty");
        }

        var found = BinaryPrimitives.ReadInt32BigEndian(head);
        if (found != magic)
        {
            var problem = head[0] != 0 || head[1] != 0
                ? "not an IDX file"
                : head[2] != 0x08
                    ? $"IDX element type 0x{head[2]:X2} is not 0x08 (unsigned byte)"
                    : $"{head[3]} dimensions; {kind} has {rank}";
            throw XwpDataException.InFile(name, $"wrong magic number 0x{found:X8} ({problem}); {kind} starts with 0x{magic:X8}");
        }

        var dims = new int[rank];
        Span<byte> dim = stackalloc byte[4];
        for (var d = 0; d < rank; d++)
        {
            if (Fill(stream, name, dim) < 4)
            {
                throw XwpDataException.InFile(name, $"the header ends inside the size of dimension {d + 1} of {rank}; truncated");
            }

            dims[d] = BinaryPrimitives.ReadInt32BigEndian(dim);
            if (dims[d] < 0)
            {
                throw XwpDataException.InFile(name, $"dimension {d + 1} has a negative size ({dims[d]})");
            }
        }

        return dims;
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes and checks that nothing follows them.</summary>
    private static byte[] ReadBody(Stream stream, string name, long length, string what)
    {
        // Grow the buffer as data arrives, so that a header that claims a huge size cannot make us
        // allocate more than the file holds.
        var data = new byte[Math.Min(length, 1 << 20)];
        long read = 0;
        while (read < length)
        {
            if (read == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(length, (long)data.Length * 2));
            }

            var n = Fill(stream, name, data.AsSpan((int)read, (int)(data.Length - read)));
            if (n == 0)
            {
                throw XwpDataException.InFile(name, $"truncated: the header announces {what} ({length} bytes) but the data ends after {read} bytes");
            }

            read += n;
        }

        Span<byte> probe = stackalloc byte[1];
        if (Fill(stream, name, probe) != 0)
        {
            throw XwpDataException.InFile(name, $"extra bytes after the {what} that the header announces");
        }

        return data;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the data ends; returns the count read.</summary>
    private static int Fill(Stream stream, string name, Span<byte> buffer)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw XwpDataException.InFile(name, $"corrupt or truncated gzip data ({e.Message})", e);
        }
    }
}
