using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>
/// The <c>.xwp</c> model file: architecture and both snapshots, little-endian float32, followed by
/// a SHA-256 of everything before it so that damage is detected rather than loaded.
/// </summary>
/// <remarks>
/// Layout: magic <c>XWPMODEL</c>, u32 version (1), u8 activation, f64 LeakyReLU slope, u32 layer
/// count L, L × u32 sizes, u8 has-trained flag, then θ⁰ (per layer: weight <c>[out, in]</c>, bias)
/// and, if present, θ; then 32 bytes of SHA-256.
/// </remarks>
internal static class ModelFile
{
    private const int Version = 1;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("XWPMODEL");

    public static void Write(string path, Fcnn model, FcnnSnapshot initial, FcnnSnapshot? trained)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.ASCII, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((byte)model.Activation);
            w.Write(model.LeakyReLUSlope);
            w.Write(model.LayerSizes.Count);
            foreach (var size in model.LayerSizes)
            {
                w.Write(size);
            }

            w.Write((byte)(trained is null ? 0 : 1));
            WriteSnapshot(w, initial);
            if (trained is not null)
            {
                WriteSnapshot(w, trained);
            }
        }

        var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        IO.AtomicFile.Write(fullPath, buffer.ToArray());
    }

    public static (FcnnSnapshot Initial, FcnnSnapshot? Trained) Read(string path)
    {
        IO.FileKinds.CheckReadable(path, "model file");

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            // A PyTorch file is the usual mix-up: say which loader takes it.
            throw PyTorchStateDict.ArchiveKind(path) switch
            {
                PyTorchArchive.TorchScript => Bad(path, "it is a TorchScript model, not an Xwp model file; load it with TorchScriptModel.Load"),
                PyTorchArchive.Saved => Bad(path, "it is a torch.save'd object such as a state_dict, not an Xwp model file; load state_dicts of Linear layers with Fcnn.FromPyTorch"),
                _ => Bad(path, "it is not an Xwp model file (the XWPMODEL header is missing)"),
            };
        }

        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
        {
            throw Bad(path, "its checksum does not match: the file is truncated or damaged");
        }

        var reader = new SpanReader(body, path);
        reader.Skip(Magic.Length);
        var version = reader.Int32();
        if (version != Version)
        {
            throw Bad(path, $"it has format version {version}; this Xwp reads version {Version}");
        }

        var activation = (Activation)reader.Byte();
        if (!Enum.IsDefined(activation))
        {
            throw Bad(path, $"it names an unknown activation ({(int)activation})");
        }

        var slope = reader.Double();
        var count = reader.Int32();
        if (count is < 2 or > 1024)
        {
            throw Bad(path, $"it declares {count} layer sizes");
        }

        var sizes = new int[count];
        for (var i = 0; i < count; i++)
        {
            sizes[i] = reader.Int32();
            if (sizes[i] < 1)
            {
                throw Bad(path, $"layer size {i} is {sizes[i]}");
            }
        }

        var flag = reader.Byte();
        if (flag > 1)
        {
            throw Bad(path, $"its trained-snapshot flag is {flag}, not 0 or 1");
        }

        var hasTrained = flag == 1;
        var initial = ReadSnapshot(ref reader, sizes, activation, slope, path, "initial");
        FcnnSnapshot? trained = null;
        try
        {
            trained = hasTrained ? ReadSnapshot(ref reader, sizes, activation, slope, path, "trained") : null;
            if (reader.Remaining != 0)
            {
                throw Bad(path, $"{reader.Remaining} unexpected bytes follow the parameters");
            }
        }
        catch
        {
            initial.Dispose();
            trained?.Dispose();
            throw;
        }

        return (initial, trained);
    }

    private static void WriteSnapshot(BinaryWriter w, FcnnSnapshot snapshot)
    {
        for (var i = 0; i < snapshot.Weights.Count; i++)
        {
            WriteTensor(w, snapshot.Weights[i]);
            WriteTensor(w, snapshot.Biases[i]);
        }
    }

    private static void WriteTensor(BinaryWriter w, Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().to(float32).cpu().contiguous();
        var values = cpu.data<float>().ToArray();
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Xwp model files are little-endian.");
        }

        w.Write(bytes);
    }

    private static FcnnSnapshot ReadSnapshot(ref SpanReader reader, int[] sizes, Activation activation, double slope, string path, string snapshot)
    {
        using var scope = NewDisposeScope();
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        for (var i = 0; i < sizes.Length - 1; i++)
        {
            weights.Add(Finite(tensor(reader.Floats((long)sizes[i + 1] * sizes[i]), [sizes[i + 1], sizes[i]]), path, $"{snapshot} layer {i} weight"));
            biases.Add(Finite(tensor(reader.Floats(sizes[i + 1]), [sizes[i + 1]]), path, $"{snapshot} layer {i} bias"));
        }

        return FcnnSnapshot.Capture(weights, biases, activation, slope);
    }

    /// <summary>
    /// The checksum proves the file is what was saved, not that it is usable: a network saved after its
    /// training diverged holds NaN or infinite parameters and would explain everything as NaN.
    /// </summary>
    private static Tensor Finite(Tensor values, string path, string name) =>
        InputValidation.DescribeNonFinite(values) is { } problem
            ? throw Bad(path, $"tensor '{name}' has {problem}")
            : values;

    private static InvalidDataException Bad(string path, string why) => new($"Cannot load model file '{path}': {why}.");

    private ref struct SpanReader(ReadOnlySpan<byte> data, string path)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly int Remaining => _data.Length - _position;

        public void Skip(int n) => Take(n);

        public byte Byte() => Take(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public float[] Floats(long count) => MemoryMarshal.Cast<byte, float>(Take(count * 4)).ToArray();

        private ReadOnlySpan<byte> Take(long n)
        {
            // Sizes come from the file: a long, so that a huge declared size cannot overflow past this check.
            if (n > Remaining)
            {
                throw Bad(path, $"it ends early: {n} more bytes were expected at offset {_position}, {Remaining} remain");
            }

            var span = _data.Slice(_position, (int)n);
            _position += (int)n;
            return span;
        }
    }
}
