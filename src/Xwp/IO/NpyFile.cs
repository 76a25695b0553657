using Xwp.IO;
using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (the format of <c>np.save</c> and <c>np.load</c>) as
/// TorchSharp tensors, so that inputs, targets and attributions travel between Xwp and Python.
/// </summary>
/// <remarks>
/// <para>
/// Supported element types: <c>&lt;f4</c> (float32), <c>&lt;f8</c> (float64), <c>&lt;i4</c> (int32),
/// <c>&lt;i8</c> (int64), <c>|u1</c> (uint8) and <c>|b1</c> (bool), little-endian (<c>&lt;</c>, or
/// <c>=</c> on a little-endian machine), in C order; format versions 1.0, 2.0 and 3.0 are read.
/// Arrays of rank 0 (scalars) and arrays with a zero-length dimension are supported.
/// </para>
/// <para>
/// Every problem with a file's contents is reported as an <see cref="InvalidDataException"/> whose
/// message names the file and the problem. A file is read only if its length is exactly what its
/// header calls for; <c>np.load</c> ignores extra bytes at the end, this reader refuses them.
/// </para>
/// <para>
/// The format is NumPy's NEP 1, "A simple file format for NumPy arrays"
/// (https://numpy.org/neps/nep-0001-npy-format.html).
/// </para>
/// </remarks>
public static class NpyFile
{
    /// <summary>Data moves between the file and the tensor in pieces of at most this many bytes.</summary>
    private const int ChunkBytes = 1 << 26;

    /// <summary>
    /// Reads a <c>.npy</c> file into a new CPU tensor with the file's shape and element type.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A new tensor on the CPU, owned by the caller.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a <c>.npy</c> file Xwp can read: bad magic, an unsupported format version, an
    /// unsupported or big-endian element type, Fortran order, a malformed header, or a data length that
    /// differs from what the header calls for. The message names the file and the problem.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static Tensor Read(string path) => ReadChecked(path, accepted: null, rank: null, convertTo: null);

    /// <summary>
    /// Reads a matrix <c>[N, D]</c>, such as the inputs to explain, as float32. A float64 file is
    /// converted to float32 (rounded to nearest; values beyond float32's range become infinities);
    /// integer and bool files are refused.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A new float32 tensor <c>[N, D]</c> on the CPU, owned by the caller.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file cannot be read (see <see cref="Read(string)"/>), its element type is neither float32 nor
    /// float64, or it does not hold a 2-d array. The message names the file and the problem.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static Tensor ReadFloat32Matrix(string path) =>
        ReadChecked(path, [ScalarType.Float32, ScalarType.Float64], rank: 2, convertTo: ScalarType.Float32);

    /// <summary>
    /// Reads a vector <c>[N]</c>, such as the target classes, as int64. An int32 file is converted
    /// to int64; every other element type is refused.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A new int64 tensor <c>[N]</c> on the CPU, owned by the caller.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file cannot be read (see <see cref="Read(string)"/>), its element type is neither int64 nor
    /// int32, or it does not hold a 1-d array. The message names the file and the problem.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static Tensor ReadInt64Vector(string path) =>
        ReadChecked(path, [ScalarType.Int64, ScalarType.Int32], rank: 1, convertTo: ScalarType.Int64);

    /// <summary>
    /// Writes a tensor to a <c>.npy</c> file as <c>np.save</c> would: format version 1.0 (2.0 when the
    /// header needs it), C order, little-endian. The tensor may live on any device and need not be
    /// contiguous; it is neither modified nor disposed. The file is written to a temporary file in the
    /// same folder and then renamed over <paramref name="path"/>, so readers never see half a file.
    /// A symbolic link is written through: the file it points to gets the content, the link stays.
    /// </summary>
    /// <param name="path">The file to write; an existing regular file is replaced (keeping its permission bits).</param>
    /// <param name="tensor">The tensor to write: float32, float64, int32, int64, uint8 or bool.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is null or empty, or the tensor's element type is not supported.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist; the message names it.</exception>
    /// <exception cref="IOException">
    /// The file cannot be written: <paramref name="path"/> names a FIFO, a device, a socket or a folder
    /// (which are refused, never replaced), files cannot be created in its folder, or writing failed.
    /// The message names <paramref name="path"/>.
    /// </exception>
    /// <exception cref="XwpNativeLibraryException">TorchSharp's native library cannot be loaded.</exception>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensor);
        XwpRuntime.EnsureInitialized();
        if (NpyHeader.DescrOf(tensor.dtype) is null)
        {
            throw new ArgumentException(
                $"Tensors of dtype {tensor.dtype} cannot be written to .npy; supported are {NpyHeader.SupportedList}.",
                nameof(tensor));
        }

        using var scope = NewDisposeScope();
        AtomicFile.Write(path, Writer(tensor));
    }

    /// <summary>
    /// Writes several tensors to <c>.npy</c> files, each as <see cref="Write(string, Tensor)"/> would,
    /// so that either every file gets its new content or none changes (see <see cref="AtomicFile.WriteAll(IReadOnlyList{ValueTuple{string, Action{Stream}}})"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A dtype is not supported, or two paths name the same file.</exception>
    /// <exception cref="IOException">A file cannot be written; then none was changed.</exception>
    internal static void WriteAll(IReadOnlyList<(string Path, Tensor Tensor)> files)
    {
        XwpRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        AtomicFile.WriteAll(files.Select(f => (f.Path, Writer(f.Tensor))).ToList());
    }

    /// <summary>The bytes of a .npy file for <paramref name="tensor"/>; call inside a dispose scope that outlives the writing.</summary>
    private static Action<Stream> Writer(Tensor tensor)
    {
        if (NpyHeader.DescrOf(tensor.dtype) is null)
        {
            throw new ArgumentException(
                $"Tensors of dtype {tensor.dtype} cannot be written to .npy; supported are {NpyHeader.SupportedList}.",
                nameof(tensor));
        }

        var data = tensor.detach().cpu().contiguous();
        var header = NpyHeader.Build(data.dtype, data.shape);
        return stream =>
        {
            stream.Write(header);
            ForEachChunk(data, chunk => stream.Write(chunk));
        };
    }

    private static Tensor ReadChecked(string path, ScalarType[]? accepted, int? rank, ScalarType? convertTo)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileKinds.CheckReadable(path, ".npy file");

        XwpRuntime.EnsureInitialized();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var header = NpyHeader.Read(stream, path);
        if (accepted is not null && !accepted.Contains(header.DType))
        {
            var names = string.Join(" or ", accepted.Select(NpyHeader.NameOf));
            throw NpyHeader.Invalid(path,
                $"unsupported dtype '{header.Descr}' ({NpyHeader.NameOf(header.DType)}) for this input; expected {names}");
        }

        if (rank is { } r && header.Shape.Length != r)
        {
            var expected = r switch
            {
                1 => "a 1-d array [N]",
                2 => "a 2-d array [N, D]",
                _ => $"a {r}-d array",
            };
            throw NpyHeader.Invalid(path, $"wrong rank: expected {expected} but the shape is {NpyHeader.FormatShape(header.Shape)}");
        }

        using var scope = NewDisposeScope();
        var result = empty(header.Shape, header.DType, CPU);
        try
        {
            ForEachChunk(result, chunk =>
            {
                stream.ReadExactly(chunk);
                if (header.DType == ScalarType.Bool)
                {
                    NormalizeBools(chunk);
                }
            });
        }
        catch (EndOfStreamException)
        {
            throw NpyHeader.Invalid(path, $"truncated data: the file ended before the {header.DataLength} data bytes its header calls for");
        }

        if (convertTo is { } target && target != result.dtype)
        {
            result = result.to_type(target);
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Calls <paramref name="action"/> on the bytes of a contiguous CPU tensor, piece by piece.</summary>
    private static void ForEachChunk(Tensor contiguous, SpanAction action)
    {
        var count = contiguous.numel();
        if (count == 0)
        {
            return;
        }

        var elementSize = contiguous.element_size();
        var perChunk = Math.Max(1, ChunkBytes / elementSize);
        using var flat = contiguous.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var piece = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(piece.bytes);
        }
    }

    /// <summary>NumPy reads any nonzero byte as True; torch expects exactly 0 or 1 in a bool tensor.</summary>
    private static void NormalizeBools(Span<byte> bytes)
    {
        var i = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        while (i >= 0)
        {
            bytes[i] = 1;
            var next = bytes[(i + 1)..].IndexOfAnyExcept((byte)0, (byte)1);
            i = next < 0 ? -1 : i + 1 + next;
        }
    }

    private delegate void SpanAction(Span<byte> bytes);
}
