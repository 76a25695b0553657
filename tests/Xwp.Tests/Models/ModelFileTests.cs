using System.Buffers.Binary;
using System.Security.Cryptography;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Models;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

/// <summary>Tests of the <c>.xwp</c> file behind <see cref="Fcnn.Save"/> and <see cref="Fcnn.Load"/>.</summary>
public sealed class ModelFileTests : IDisposable
{
    // Header layout: "XWPMODEL" (8), version u32 (8..12), activation u8 (12), slope f64 (13..21),
    // layer count u32 (21..25), sizes u32 each, has-trained u8, then the float32 parameters, then SHA-256 (32).
    private const int VersionOffset = 8;
    private const int ActivationOffset = 12;
    private const int CountOffset = 21;
    private const int SizesOffset = 25;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(Activation.ReLU, 0.01)]
    [InlineData(Activation.GELU, 0.01)]
    [InlineData(Activation.Tanh, 0.01)]
    [InlineData(Activation.Sigmoid, 0.01)]
    [InlineData(Activation.LeakyReLU, 0.3)]
    public void A_trained_model_round_trips_bit_for_bit_with_its_architecture(Activation activation, double slope)
    {
        using var model = ModelFixtures.Perturbed([12, 7, 5, 3], 41, activation, slope);
        var path = _dir.File("trained.xwp");

        model.Save(path);
        using var loaded = Fcnn.Load(path);

        loaded.LayerSizes.Should().Equal(12, 7, 5, 3);
        loaded.Activation.Should().Be(activation);
        loaded.LeakyReLUSlope.Should().Be(slope);
        loaded.IsTrained.Should().BeTrue();
        loaded.Device.type.Should().Be(DeviceType.CPU);
        loaded.Initial.BitwiseEquals(model.Initial).Should().BeTrue();
        loaded.Trained.BitwiseEquals(model.Trained).Should().BeTrue();
        loaded.Trained.BitwiseEquals(loaded.Initial).Should().BeFalse();
        loaded.Trained.Activation.Should().Be(activation);
        loaded.Trained.LeakyReLUSlope.Should().Be(slope);

        using var x = ModelFixtures.Normal(4, 12, 42);
        using var expected = model.Logits(x);
        using var actual = loaded.Logits(x);
        TensorAssert.Identical(actual, expected);
    }

    [Fact]
    public void An_untrained_model_round_trips_without_a_trained_snapshot()
    {
        using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [9, 4, 2], Seed = 43, Activation = Activation.Tanh });
        var path = _dir.File("untrained.xwp");

        model.Save(path);
        using var loaded = Fcnn.Load(path);

        loaded.IsTrained.Should().BeFalse();
        loaded.LayerSizes.Should().Equal(9, 4, 2);
        loaded.Activation.Should().Be(Activation.Tanh);
        loaded.Initial.BitwiseEquals(model.Initial).Should().BeTrue();
        loaded.Invoking(m => m.Trained).Should().Throw<InvalidOperationException>();

        // The live module of the loaded model starts at θ⁰ too.
        var live = loaded.Module.parameters().ToList();
        TensorAssert.Identical(live[0], model.Initial.Weights[0]);
        TensorAssert.Identical(live[3], model.Initial.Biases[1]);

        // File size: header 8 + 4 + 1 + 8 + 4 + 3·4 + 1 = 38, θ⁰ (9·4 + 4 + 4·2 + 2) · 4 = 200, SHA-256 32.
        new FileInfo(path).Length.Should().Be(38 + 200 + 32);
    }

    [Fact]
    public void Special_float_values_survive_bit_for_bit()
    {
        // -0, a subnormal, the largest float and the smallest positive normal: an equality of values would miss
        // -0 vs 0, a lossy text or half-precision format would miss the others.
        float[] special = [-0f, 1e-40f, float.MaxValue, float.MinValue, 1.17549435e-38f, 0.1f];
        using var scope = NewDisposeScope();
        var w = tensor(special, [3, 2]);
        var w0 = zeros(3, 2);
        var b = tensor(new float[] { -0f, 3.4e38f, 1e-45f });
        var w2 = tensor(new float[] { 1, -0f, 0, 0, 1, 0 }, [2, 3]);
        var b2 = zeros(2);
        using var model = Fcnn.FromSnapshots(
            FcnnSnapshot.Capture([w0, w2], [b, b2], Activation.ReLU, 0.01),
            FcnnSnapshot.Capture([w, w2], [b, b2], Activation.ReLU, 0.01));
        var path = _dir.File("special.xwp");

        model.Save(path);
        using var loaded = Fcnn.Load(path);

        loaded.Trained.BitwiseEquals(model.Trained).Should().BeTrue();
        loaded.Initial.BitwiseEquals(model.Initial).Should().BeTrue();
        Bits(loaded.Trained.Weights[0]).Should().Equal(special.Select(BitConverter.SingleToInt32Bits));
        Bits(loaded.Trained.Biases[0]).Should().Equal(new[] { -0f, 3.4e38f, 1e-45f }.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(false, 1, 0, float.NaN, "tensor 'trained layer 1 weight' has 1 NaN value")]
    [InlineData(true, 0, 2, float.PositiveInfinity, "tensor 'initial layer 0 bias' has 2 infinite values")]
    public void Non_finite_parameters_are_refused_at_load_naming_the_tensor(bool initial, int layer, int biasValues, float bad, string expected)
    {
        // A network saved after its training diverged: the checksum is right, the values are not usable.
        using var scope = NewDisposeScope();
        var weights = new[] { ones(2, 3), ones(2, 2) };
        var biases = new[] { zeros(2), zeros(2) };
        var broken = biasValues > 0 ? biases[layer] : weights[layer];
        for (var i = 0; i < Math.Max(1, biasValues); i++)
        {
            broken.view(-1)[i] = tensor(bad);
        }

        var good = FcnnSnapshot.Capture([ones(2, 3), ones(2, 2)], [zeros(2), zeros(2)], Activation.ReLU, 0.01);
        var bent = FcnnSnapshot.Capture(weights, biases, Activation.ReLU, 0.01);
        using var model = initial ? Fcnn.FromSnapshots(bent, good) : Fcnn.FromSnapshots(good, bent);
        var path = _dir.File("diverged.xwp");
        model.Save(path);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"Cannot load model file '{path}': {expected}.");
    }

    [Fact]
    public void BitwiseEquals_tells_negative_zero_from_zero()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 0, 1, 2, 3 }, [2, 2]);
        var negativeZero = tensor(new float[] { -0f, 1, 2, 3 }, [2, 2]);
        var b = zeros(2);
        using var a = FcnnSnapshot.Capture([w], [b], Activation.ReLU, 0.01);
        using var same = FcnnSnapshot.Capture([w], [b], Activation.ReLU, 0.01);
        using var other = FcnnSnapshot.Capture([negativeZero], [b], Activation.ReLU, 0.01);

        a.BitwiseEquals(same).Should().BeTrue();
        a.BitwiseEquals(other).Should().BeFalse();
    }

    [Fact]
    public void Save_overwrites_an_existing_file_and_leaves_no_temporary_files()
    {
        using var first = ModelFixtures.Perturbed([6, 4, 2], 44);
        using var second = ModelFixtures.Perturbed([6, 5, 3], 45);
        var path = _dir.File("model.xwp");

        first.Save(path);
        second.Save(path);
        using var loaded = Fcnn.Load(path);

        loaded.LayerSizes.Should().Equal(6, 5, 3);
        loaded.Trained.BitwiseEquals(second.Trained).Should().BeTrue();
        Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Should().Equal("model.xwp");
    }

    [Fact]
    public void Save_creates_missing_directories()
    {
        using var model = ModelFixtures.Perturbed([6, 4, 2], 46);
        var path = Path.Combine(_dir.Path, "a", "b", "model.xwp");

        model.Save(path);

        using var loaded = Fcnn.Load(path);
        loaded.Trained.BitwiseEquals(model.Trained).Should().BeTrue();
    }

    // ---------------------------------------------------------------- damaged files

    [Fact]
    public void A_missing_file_throws_FileNotFoundException_naming_it()
    {
        var path = _dir.File("nothing-here.xwp");
        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<FileNotFoundException>()
            .Where(e => e.FileName == path).WithMessage($"*{path}*");
    }

    [Theory]
    [InlineData("PK\u0003\u0004 this is a zip file, or a torch.save'd state_dict, not a model")]
    [InlineData("")]
    [InlineData("XWPMODEL")]
    [InlineData("XWPMODE")]
    public void A_file_that_is_not_an_Xwp_model_is_rejected(string content)
    {
        var path = _dir.File("not-a-model.xwp");
        File.WriteAllText(path, content);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*not an Xwp model file*");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(32)]
    [InlineData(100)]
    public void A_truncated_file_is_rejected_by_its_checksum(int cut)
    {
        var path = SaveSmallModel();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^cut]);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*checksum*truncated or damaged*");
    }

    [Fact]
    public void A_file_cut_down_to_less_than_header_and_checksum_is_not_an_Xwp_file()
    {
        var path = SaveSmallModel();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..30]);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*not an Xwp model file*");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void One_flipped_byte_is_caught_by_the_checksum(double where)
    {
        var path = SaveSmallModel();
        var bytes = File.ReadAllBytes(path);
        var at = (int)(where * bytes.Length);
        bytes[at] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*checksum*");
    }

    [Fact]
    public void A_newer_format_version_is_named_in_the_message()
    {
        var path = SaveSmallModel();
        Rewrite(path, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(VersionOffset), 2));

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*format version 2*reads version 1*");
    }

    [Fact]
    public void An_unknown_activation_is_named_in_the_message()
    {
        var path = SaveSmallModel();
        Rewrite(path, bytes => bytes[ActivationOffset] = 9);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*unknown activation (9)*");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5000)]
    public void An_impossible_layer_count_is_named_in_the_message(int count)
    {
        var path = SaveSmallModel();
        Rewrite(path, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(CountOffset), count));

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*declares {count} layer sizes*");
    }

    [Fact]
    public void A_zero_layer_size_is_named_in_the_message()
    {
        var path = SaveSmallModel();
        Rewrite(path, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(SizesOffset + 4), 0));

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*layer size 1 is 0*");
    }

    [Theory]
    [InlineData(5)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void Sizes_larger_than_the_data_say_the_file_ends_early(int size)
    {
        var path = SaveSmallModel();
        Rewrite(path, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(SizesOffset + 4), size));

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*ends early*");
    }

    [Fact]
    public void Extra_bytes_after_the_parameters_are_named_in_the_message()
    {
        var path = SaveSmallModel();
        Rewrite(path, bytes => { }, extra: 12);

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*12 unexpected bytes*");
    }

    [Fact]
    public void A_trained_flag_without_trained_parameters_fails_cleanly_without_leaking_the_initial_snapshot()
    {
        var path = SaveSmallModel(trained: false);
        var flagOffset = SizesOffset + (3 * 4);
        Rewrite(path, bytes => bytes[flagOffset] = 1);
        Assert.Throws<InvalidDataException>(() => Fcnn.Load(path));
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        FluentActions.Invoking(() => Fcnn.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*ends early*");

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Repeated_save_and_load_leak_no_tensors()
    {
        using var model = ModelFixtures.Perturbed([10, 6, 3], 47);
        var path = _dir.File("leak.xwp");
        model.Save(path);
        Fcnn.Load(path).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 3; i++)
        {
            model.Save(path);
            using var loaded = Fcnn.Load(path);
            using var untrained = Fcnn.Create(new FcnnOptions { LayerSizes = [10, 6, 3] });
            untrained.Save(_dir.File("untrained.xwp"));
            Fcnn.Load(_dir.File("untrained.xwp")).Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    /// <summary>Saves a 4-3-2 model (trained or not) and returns its path.</summary>
    private string SaveSmallModel(bool trained = true)
    {
        var path = _dir.File("small.xwp");
        using var model = trained
            ? ModelFixtures.Perturbed([4, 3, 2], 48)
            : Fcnn.Create(new FcnnOptions { LayerSizes = [4, 3, 2], Seed = 48 });
        model.Save(path);
        return path;
    }

    /// <summary>Edits a saved file's body (optionally appending bytes) and writes a matching SHA-256, so only the edit is wrong.</summary>
    private static void Rewrite(string path, Action<byte[]> edit, int extra = 0)
    {
        var file = File.ReadAllBytes(path);
        var body = new byte[file.Length - 32 + extra];
        Array.Copy(file, body, file.Length - 32);
        edit(body);
        File.WriteAllBytes(path, [.. body, .. SHA256.HashData(body)]);
    }

    private static int[] Bits(Tensor t) => TensorAssert.Values(t).Select(BitConverter.SingleToInt32Bits).ToArray();
}
