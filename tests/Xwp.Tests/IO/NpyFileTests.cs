using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Xwp.Tests.IO;

public sealed class NpyFileTests : IDisposable
{
    private static readonly byte[] MagicBytes = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("xwp-npy-tests-");

    public void Dispose() => _folder.Delete(recursive: true);

    public static TheoryData<ScalarType, long[]> DtypesAndShapes()
    {
        var data = new TheoryData<ScalarType, long[]>();
        ScalarType[] dtypes = [ScalarType.Float32, ScalarType.Float64, ScalarType.Int64, ScalarType.Int32, ScalarType.Byte, ScalarType.Bool];
        long[][] shapes = [[], [5], [2, 3], [2, 3, 4], [0], [0, 3], [3, 0, 2]];
        foreach (var dtype in dtypes)
        {
            foreach (var shape in shapes)
            {
                data.Add(dtype, shape);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DtypesAndShapes))]
    public void Round_trip_keeps_dtype_shape_and_values(ScalarType dtype, long[] shape)
    {
        using var original = Sample(dtype, shape);
        var path = PathOf("round.npy");

        NpyFile.Write(path, original);
        using var read = NpyFile.Read(path);

        read.dtype.Should().Be(dtype);
        read.shape.Should().Equal(shape);
        read.device_type.Should().Be(DeviceType.CPU);
        read.Equals(original).Should().BeTrue();
    }

    [Fact]
    public void Float64_values_survive_bit_for_bit()
    {
        using var original = tensor(new[] { 0.1, -1e-300, double.MaxValue, double.NaN, double.NegativeInfinity }, ScalarType.Float64);
        var path = PathOf("f8.npy");

        NpyFile.Write(path, original);
        using var read = NpyFile.Read(path);

        read.data<double>().ToArray().Should().Equal(original.data<double>().ToArray());
    }

    [Fact]
    public void Header_is_byte_for_byte_what_numpy_save_writes_for_a_float32_2x3()
    {
        using var values = tensor(new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3]);
        var path = PathOf("numpy.npy");

        NpyFile.Write(path, values);

        // np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)) writes 10 bytes of preamble, then the
        // dict, then spaces so that preamble + header is 128 bytes (a multiple of 64), ending in '\n':
        // header length 128 - 10 = 118 = 0x76, little-endian u16.
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        var expected = new List<byte>(MagicBytes) { 1, 0, 0x76, 0x00 };
        expected.AddRange(Encoding.ASCII.GetBytes(dict));
        expected.AddRange(Enumerable.Repeat((byte)' ', 127 - expected.Count));
        expected.Add((byte)'\n');
        expected.Should().HaveCount(128);
        foreach (var f in new float[] { 0, 1, 2, 3, 4, 5 })
        {
            var b = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(b, f);
            expected.AddRange(b);
        }

        File.ReadAllBytes(path).Should().Equal(expected);
    }

    [Fact]
    public void Headers_written_are_padded_to_64_bytes_and_end_in_a_newline()
    {
        long[][] shapes = [[], [7], [123456789, 0], [1, 2, 3, 4, 5, 6, 7, 8]];
        foreach (var shape in shapes)
        {
            using var t = zeros(shape, ScalarType.Int32);
            var path = PathOf("padded.npy");
            NpyFile.Write(path, t);

            var bytes = File.ReadAllBytes(path);
            var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
            ((10 + headerLength) % 64).Should().Be(0, "shape {0}", string.Join(",", shape));
            bytes[10 + headerLength - 1].Should().Be((byte)'\n');
        }
    }

    [Fact]
    public void Reads_version_2_0()
    {
        var path = PathOf("v2.npy");
        File.WriteAllBytes(path, NpyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", Int64Bytes(7, -8, 9), major: 2));

        using var read = NpyFile.Read(path);

        read.dtype.Should().Be(ScalarType.Int64);
        read.shape.Should().Equal([3L]);
        read.data<long>().ToArray().Should().Equal(7L, -8L, 9L);
    }

    [Fact]
    public void Reads_version_3_0_with_utf8_header()
    {
        var path = PathOf("v3.npy");
        File.WriteAllBytes(path, NpyBytes("{\"descr\": \"<f4\", \"shape\": (1, 2), \"fortran_order\": False}", FloatBytes(1.5f, -2f), major: 3));

        using var read = NpyFile.Read(path);

        read.shape.Should().Equal([1L, 2L]);
        read.data<float>().ToArray().Should().Equal(1.5f, -2f);
    }

    [Theory]
    [InlineData("=f4")]
    [InlineData("<f4")]
    public void Accepts_little_and_native_byte_order(string descr)
    {
        var path = PathOf("order.npy");
        File.WriteAllBytes(path, NpyBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}", FloatBytes(3f, 4f)));

        using var read = NpyFile.Read(path);

        read.data<float>().ToArray().Should().Equal(3f, 4f);
    }

    [Fact]
    public void Reads_scalar_as_a_0_d_tensor()
    {
        var path = PathOf("scalar.npy");
        File.WriteAllBytes(path, NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", BitConverter.GetBytes(2.25)));

        using var read = NpyFile.Read(path);

        read.dim().Should().Be(0);
        read.item<double>().Should().Be(2.25);
    }

    [Fact]
    public void Reads_fortran_order_of_rank_1_because_it_is_the_same_layout()
    {
        var path = PathOf("f1.npy");
        File.WriteAllBytes(path, NpyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", [1, 0, 0, 0, 2, 0, 0, 0]));

        using var read = NpyFile.Read(path);

        read.data<int>().ToArray().Should().Equal(1, 2);
    }

    [Fact]
    public void Reads_any_nonzero_bool_byte_as_true()
    {
        var path = PathOf("bool.npy");
        File.WriteAllBytes(path, NpyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", [0, 1, 2, 255]));

        using var read = NpyFile.Read(path);
        using var asBytes = read.to_type(ScalarType.Byte);

        asBytes.data<byte>().ToArray().Should().Equal(0, 1, 1, 1);
    }

    [Fact]
    public void ReadFloat32Matrix_reads_float32_and_converts_float64()
    {
        var f4 = PathOf("m4.npy");
        var f8 = PathOf("m8.npy");
        File.WriteAllBytes(f4, NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", FloatBytes(0.5f, 2f)));
        File.WriteAllBytes(f8, NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", [.. BitConverter.GetBytes(0.1), .. BitConverter.GetBytes(-3.0)]));

        using var m4 = NpyFile.ReadFloat32Matrix(f4);
        using var m8 = NpyFile.ReadFloat32Matrix(f8);

        m4.dtype.Should().Be(ScalarType.Float32);
        m4.shape.Should().Equal([1L, 2L]);
        m4.data<float>().ToArray().Should().Equal(0.5f, 2f);
        m8.dtype.Should().Be(ScalarType.Float32);
        m8.shape.Should().Equal([2L, 1L]);
        m8.data<float>().ToArray().Should().Equal(0.1f, -3f);
    }

    [Fact]
    public void ReadInt64Vector_reads_int64_and_converts_int32()
    {
        var i8 = PathOf("v8.npy");
        var i4 = PathOf("v4.npy");
        File.WriteAllBytes(i8, NpyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Int64Bytes(3, 9)));
        File.WriteAllBytes(i4, NpyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", [5, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0]));

        using var v8 = NpyFile.ReadInt64Vector(i8);
        using var v4 = NpyFile.ReadInt64Vector(i4);

        v8.dtype.Should().Be(ScalarType.Int64);
        v8.data<long>().ToArray().Should().Equal(3L, 9L);
        v4.dtype.Should().Be(ScalarType.Int64);
        v4.data<long>().ToArray().Should().Equal(5L, -1L, 0L);
    }

    [Fact]
    public void Write_leaves_a_non_contiguous_input_untouched_and_writes_its_logical_order()
    {
        using var source = arange(6, ScalarType.Float32).reshape(2, 3);
        using var transposed = source.t();
        transposed.is_contiguous().Should().BeFalse();
        var before = transposed.stride();
        var path = PathOf("t.npy");

        NpyFile.Write(path, transposed);
        using var read = NpyFile.Read(path);

        transposed.IsInvalid.Should().BeFalse();
        transposed.is_contiguous().Should().BeFalse();
        transposed.stride().Should().Equal(before);
        source.data<float>().ToArray().Should().Equal(0f, 1f, 2f, 3f, 4f, 5f);
        read.shape.Should().Equal([3L, 2L]);
        read.data<float>().ToArray().Should().Equal(0f, 3f, 1f, 4f, 2f, 5f);
    }

    [Fact]
    public void Write_of_a_tensor_that_requires_grad_leaves_it_untouched()
    {
        using var leaf = tensor(new float[] { 1, 2 }).requires_grad_();
        var path = PathOf("grad.npy");

        NpyFile.Write(path, leaf);

        leaf.requires_grad.Should().BeTrue();
        leaf.IsInvalid.Should().BeFalse();
        leaf.data<float>().ToArray().Should().Equal(1f, 2f);
    }

    [Fact]
    public void Write_replaces_an_existing_file_and_leaves_no_temporary_files()
    {
        var path = PathOf("replace.npy");
        File.WriteAllText(path, "old contents");
        using var t = ones(3, ScalarType.Int32);

        NpyFile.Write(path, t);

        using var read = NpyFile.Read(path);
        read.Equals(t).Should().BeTrue();
        _folder.GetFiles().Select(f => f.Name).Should().Equal("replace.npy");
    }

    [Fact]
    public void Write_refuses_an_unsupported_dtype()
    {
        using var t = ones(2, ScalarType.Int16);

        var act = () => NpyFile.Write(PathOf("i2.npy"), t);

        act.Should().Throw<ArgumentException>().WithMessage("*Int16*'<f4' (float32)*");
        File.Exists(PathOf("i2.npy")).Should().BeFalse();
    }

    [Fact]
    public void Missing_file_is_FileNotFoundException_with_the_path()
    {
        var path = PathOf("nope.npy");

        var act = () => NpyFile.Read(path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"*{path}*");
    }

    [Fact]
    public void Bad_magic()
    {
        var path = Broken("magic.npy", Encoding.ASCII.GetBytes("PK\x03\x04 this is a zip, not npy"));
        ReadFails(path, "*bad magic*");
    }

    [Fact]
    public void Empty_file_is_bad_magic()
    {
        var path = Broken("empty.npy", []);
        ReadFails(path, "*bad magic*");
    }

    [Theory]
    [InlineData(4, 0, "*unsupported format version 4.0*")]
    [InlineData(1, 1, "*unsupported format version 1.1*")]
    [InlineData(0, 0, "*unsupported format version 0.0*")]
    public void Unsupported_version(byte major, byte minor, string message)
    {
        var bytes = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", FloatBytes(1f));
        bytes[6] = major;
        bytes[7] = minor;
        ReadFails(Broken("version.npy", bytes), message);
    }

    [Theory]
    [InlineData("<c8")]
    [InlineData("<f2")]
    [InlineData("<U5")]
    [InlineData("|O")]
    [InlineData("<i2")]
    public void Unsupported_dtype_names_it_and_the_supported_ones(string descr)
    {
        var path = Broken("dtype.npy", NpyBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (0,), }}", []));
        ReadFails(path, $"*unsupported dtype '{descr}'*'<f4' (float32)*'|b1' (bool)*");
    }

    [Fact]
    public void Structured_dtype_is_unsupported()
    {
        var path = Broken("record.npy", NpyBytes("{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (0,), }", []));
        ReadFails(path, "*unsupported dtype*structured*");
    }

    [Theory]
    [InlineData(">f4")]
    [InlineData(">i8")]
    public void Big_endian_data_is_refused(string descr)
    {
        var path = Broken("be.npy", NpyBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (0,), }}", []));
        ReadFails(path, $"*big-endian*'{descr}'*");
    }

    [Fact]
    public void Fortran_order_is_refused()
    {
        var path = Broken("fortran.npy", NpyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", FloatBytes(1, 2, 3, 4)));
        ReadFails(path, "*Fortran order (fortran_order: True)*(2, 2)*");
    }

    [Fact]
    public void Truncated_data_says_expected_and_actual_byte_counts()
    {
        // (2, 3) float32 needs 2 * 3 * 4 = 24 bytes; 20 are there.
        var path = Broken("short.npy", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", FloatBytes(1, 2, 3, 4, 5)));
        ReadFails(path, "*truncated data*needs 24 data bytes but the file has 20*");
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_refused()
    {
        var path = Broken("long.npy", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", FloatBytes(1, 2)));
        ReadFails(path, "*after the data*needs 4 data bytes but the file has 8*");
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        var whole = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", FloatBytes(1));
        ReadFails(Broken("header.npy", whole[..40]), "*truncated header*");
        ReadFails(Broken("length.npy", whole[..9]), "*header length*");
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "*missing 'shape'*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "*unexpected 'extra'*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", "*'shape' is not a tuple*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", "*trailing comma*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "*non-negative integers*")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "*'fortran_order' is not True or False*")]
    [InlineData("{'descr': 4, 'fortran_order': False, 'shape': (1,)}", "*'descr' is not a string*")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", "*malformed header dict*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "*malformed header dict*")]
    [InlineData("['descr', '<f4']", "*malformed header dict*expected '{'*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing", "*unexpected text after the dict*")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "*duplicate key 'descr'*")]
    [InlineData("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", "*unexpected name 'Maybe'*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}", "*only decimal integers*")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "*integer out of range*")]
    [InlineData("", "*malformed header dict*")]
    public void Malformed_header_dict(string dict, string message)
    {
        var path = Broken("dict.npy", NpyBytes(dict, FloatBytes(1)));
        ReadFails(path, message);
    }

    [Fact]
    public void Shape_whose_size_overflows_is_malformed()
    {
        var path = Broken("huge.npy", NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", []));
        ReadFails(path, "*too large*");
    }

    [Fact]
    public void Huge_shape_with_little_data_is_truncated_not_allocated()
    {
        var path = Broken("big.npy", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }", FloatBytes(1)));
        ReadFails(path, "*truncated data*needs 4000000000000 data bytes but the file has 4*");
    }

    [Fact]
    public void Invalid_utf8_in_a_version_3_header_is_malformed()
    {
        var bytes = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", FloatBytes(1), major: 3);
        bytes[13] = 0xff;
        ReadFails(Broken("utf8.npy", bytes), "*not valid UTF-8*");
    }

    [Fact]
    public void ReadFloat32Matrix_refuses_wrong_rank_and_integer_data()
    {
        var vector = Broken("vector.npy", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", FloatBytes(1, 2, 3)));
        var ints = Broken("ints.npy", NpyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", Int64Bytes(1)));

        Fails(() => NpyFile.ReadFloat32Matrix(vector), vector, "*wrong rank: expected a 2-d array [N, D] but the shape is (3,)*");
        Fails(() => NpyFile.ReadFloat32Matrix(ints), ints, "*unsupported dtype '<i8' (int64)*expected float32 or float64*");
    }

    [Fact]
    public void ReadInt64Vector_refuses_wrong_rank_and_float_data()
    {
        var matrix = Broken("matrix.npy", NpyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", Int64Bytes(1, 2)));
        var floats = Broken("floats.npy", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", FloatBytes(1)));

        Fails(() => NpyFile.ReadInt64Vector(matrix), matrix, "*wrong rank: expected a 1-d array [N] but the shape is (1, 2)*");
        Fails(() => NpyFile.ReadInt64Vector(floats), floats, "*unsupported dtype '<f4' (float32)*expected int64 or int32*");
    }

    private static Tensor Sample(ScalarType dtype, long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        using var scope = NewDisposeScope();
        var index = arange(count, ScalarType.Float64).reshape(shape);
        var values = dtype switch
        {
            ScalarType.Bool => index.remainder(3).eq(0),
            ScalarType.Byte => index.remainder(256).to_type(dtype),
            ScalarType.Float32 or ScalarType.Float64 => index.sub(count / 2.0).mul(0.75).to_type(dtype),
            _ => index.sub(count / 2.0).mul(1000003).to_type(dtype),
        };
        return values.MoveToOuterDisposeScope();
    }

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private string Broken(string name, byte[] bytes)
    {
        var path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void ReadFails(string path, string message) => Fails(() => NpyFile.Read(path), path, message);

    private static void Fails(Func<Tensor> read, string path, string message)
    {
        // Earlier tests' garbage must not be finalized while we count.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var total = Tensor.TotalCount;
        var act = () =>
        {
            using var t = read();
        };
        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*").And.Message.Should().Match(message);
        Tensor.TotalCount.Should().Be(total, "a failed read leaves no tensor behind");
    }

    /// <summary>A .npy file: preamble, the dict padded with spaces and '\n' to a multiple of 64, the data.</summary>
    private static byte[] NpyBytes(string dict, byte[] data, byte major = 1)
    {
        var preamble = major == 1 ? 10 : 12;
        var body = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(dict);
        var padding = 64 - ((preamble + body.Length + 1) % 64);
        var headerLength = body.Length + padding + 1;
        var bytes = new byte[preamble + headerLength + data.Length];
        MagicBytes.CopyTo(bytes, 0);
        bytes[6] = major;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
        }

        body.CopyTo(bytes, preamble);
        bytes.AsSpan(preamble + body.Length, padding).Fill((byte)' ');
        bytes[preamble + headerLength - 1] = (byte)'\n';
        data.CopyTo(bytes, preamble + headerLength);
        return bytes;
    }

    private static byte[] FloatBytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static byte[] Int64Bytes(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }
}
