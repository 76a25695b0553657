using System.Collections;
using FluentAssertions;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Models;

/// <summary>
/// Tests of <see cref="Fcnn.FromPyTorch(string, string, PyTorchImportOptions)"/> and the state_dict reader behind it. The files are written with
/// TorchSharp.PyBridge's pickler, which produces the zip + pickle layout of <c>torch.save</c>.
/// </summary>
public sealed class PyTorchStateDictTests : IDisposable
{
    // TinyNets.ThreeTwoTwo as an nn.Sequential(Linear(3, 2), ReLU(), Linear(2, 2)) state_dict.
    private static readonly float[] W = [1, 2, 0, 0, 1, -1];
    private static readonly float[] W0 = [0, 1, 1, 1, 0, 0];
    private static readonly float[] B = [0, -1];
    private static readonly float[] Identity = [1, 0, 0, 1];
    private static readonly float[] Zero2 = [0, 0];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_sequential_state_dict_pair_loads_with_inferred_sizes_and_exact_values()
    {
        var initial = Write("init.pt", ("0.weight", W0, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        var trained = Write("trained.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));

        using var model = Fcnn.FromPyTorch(initial, trained);

        model.LayerSizes.Should().Equal(3, 2, 2);
        model.Activation.Should().Be(Activation.ReLU);
        model.IsTrained.Should().BeTrue();
        model.Initial.Weights[0].shape.Should().Equal(2, 3);
        TensorAssert.Values(model.Initial.Weights[0]).Should().Equal(W0);
        TensorAssert.Values(model.Trained.Weights[0]).Should().Equal(W);
        TensorAssert.Values(model.Trained.Biases[0]).Should().Equal(B);
        TensorAssert.Values(model.Trained.Weights[1]).Should().Equal(Identity);
        TensorAssert.Values(model.Trained.Biases[1]).Should().Equal(Zero2);
        model.Initial.Weights.Should().OnlyContain(w => w.dtype == ScalarType.Float32);
    }

    [Fact]
    public void Explanations_of_a_loaded_model_match_the_hand_computation()
    {
        // The same network as XwpAttributionTests: XWP on logits for A = [1, 2, 0] (target 0), B = [0, 1, 1] (target 1)
        // is [2, 1, 0] and [0, -1, 1] (see the arithmetic there). Logits for A: h = [5, 1].
        var initial = Write("init.pt", ("0.weight", W0, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        var trained = Write("trained.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        using var model = Fcnn.FromPyTorch(initial, trained);
        using var x = tensor(new float[] { 1, 2, 0, 0, 1, 1 }, [2, 3]);

        using var logits = model.Logits(x);
        using var r = model.Explain(x).For(0, 1)
            .Using(Attributions.Xwp(new XwpOptions { OutputSpace = OutputSpace.Logits }))
            .Compute();

        TensorAssert.Close(logits, [5, 1, 2, 0], 1e-6);
        r.shape.Should().Equal(2, 3);
        TensorAssert.Close(r, [2, 1, 0, 0, -1, 1], 1e-6);
    }

    [Fact]
    public void More_than_ten_layers_are_ordered_numerically_not_as_text()
    {
        // 12 Linear layers at Sequential indexes 0, 2, …, 22; sizes 2-3-4-…-14. As text "10.weight" < "2.weight",
        // which would break the chain. Layer k's weight is filled with the value k + 1.
        var sizes = Enumerable.Range(2, 13).ToArray();
        var entries = new List<(string, float[], long[])>();
        for (var k = 0; k < 12; k++)
        {
            entries.Add(($"{2 * k}.weight", Enumerable.Repeat(k + 1f, sizes[k + 1] * sizes[k]).ToArray(), [sizes[k + 1], sizes[k]]));
            entries.Add(($"{2 * k}.bias", Enumerable.Repeat(-(k + 1f), sizes[k + 1]).ToArray(), [sizes[k + 1]]));
        }

        var path = Write("deep.pt", [.. entries]);
        using var model = Fcnn.FromPyTorch(path, path, Activation.Tanh);

        model.LayerSizes.Should().Equal(sizes);
        model.Activation.Should().Be(Activation.Tanh);
        for (var k = 0; k < 12; k++)
        {
            TensorAssert.Values(model.Trained.Weights[k]).Should().OnlyContain(v => v == k + 1, $"layer {k} is '{2 * k}.weight'");
            TensorAssert.Values(model.Trained.Biases[k]).Should().OnlyContain(v => v == -(k + 1), $"layer {k} is '{2 * k}.bias'");
        }
    }

    [Theory]
    [InlineData("net.0", "net.2")]
    [InlineData("model.layers.0", "model.layers.1")]
    [InlineData("fc1", "fc2")]
    public void Prefixed_and_named_layers_load(string first, string second)
    {
        var path = Write("prefixed.pt", ($"{first}.weight", W, [2, 3]), ($"{first}.bias", B, [2]), ($"{second}.weight", Identity, [2, 2]), ($"{second}.bias", Zero2, [2]));

        using var model = Fcnn.FromPyTorch(path, path);

        model.LayerSizes.Should().Equal(3, 2, 2);
        TensorAssert.Values(model.Trained.Weights[0]).Should().Equal(W);
        TensorAssert.Values(model.Trained.Weights[1]).Should().Equal(Identity);
    }

    [Fact]
    public void Double_precision_state_dicts_are_converted_to_float()
    {
        var path = _dir.File("double.pt");
        using (var scope = NewDisposeScope())
        {
            var table = new Hashtable
            {
                ["0.weight"] = tensor(new double[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 }, [2, 3]),
                ["0.bias"] = tensor(new double[] { 1e-3, -1e-3 }),
                ["2.weight"] = tensor(new double[] { 1, 0, 0, 1 }, [2, 2]),
                ["2.bias"] = tensor(new double[] { 0, 0 }),
            };
            PyTorchPickler.PickleStateDict(path, table);
        }

        using var model = Fcnn.FromPyTorch(path, path, Activation.LeakyReLU, 0.2);

        model.Trained.Weights[0].dtype.Should().Be(ScalarType.Float32);
        TensorAssert.Values(model.Trained.Weights[0]).Should().Equal(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f);
        TensorAssert.Values(model.Trained.Biases[0]).Should().Equal(1e-3f, -1e-3f);
        model.LeakyReLUSlope.Should().Be(0.2);
        model.Trained.LeakyReLUSlope.Should().Be(0.2);
    }

    [Fact]
    public void Loading_state_dicts_leaks_no_tensors()
    {
        var initial = Write("init.pt", ("0.weight", W0, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        var trained = Write("trained.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        var broken = Write("broken.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]));
        Fcnn.FromPyTorch(initial, trained).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 3; i++)
        {
            Fcnn.FromPyTorch(initial, trained).Dispose();
            Assert.Throws<InvalidDataException>(() => Fcnn.FromPyTorch(initial, broken));
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Missing_files_throw_FileNotFoundException_naming_them()
    {
        var good = Write("good.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]));
        var missing = _dir.File("missing.pt");

        FluentActions.Invoking(() => Fcnn.FromPyTorch(missing, good)).Should().Throw<FileNotFoundException>()
            .Where(e => e.FileName == missing).WithMessage($"*{missing}*");
        FluentActions.Invoking(() => Fcnn.FromPyTorch(good, missing)).Should().Throw<FileNotFoundException>()
            .Where(e => e.FileName == missing);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("zip without data.pkl")]
    public void A_file_that_is_not_a_state_dict_is_rejected(string kind)
    {
        var path = _dir.File("garbage.pt");
        switch (kind)
        {
            case "garbage":
                File.WriteAllBytes(path, Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray());
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            default:
                using (var zip = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create))
                {
                    using var writer = new StreamWriter(zip.CreateEntry("model/version").Open());
                    writer.Write("3\n");
                }

                break;
        }

        var expected = kind switch
        {
            "garbage" => $"*'{path}'*is not a PyTorch file*torch.save writes a zip archive*starts with the bytes 00254A6F*",
            "empty" => $"*'{path}'*the file is empty*",
            _ => $"*'{path}'*cannot be read as a torch.save'd state_dict*",
        };
        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage(expected).Which.Message.Should().NotContain("old PyTorch format");
    }

    [Fact]
    public void A_legacy_pickle_file_is_named_as_the_legacy_format_not_as_garbage()
    {
        // torch.save(..., _use_new_zipfile_serialization=False) starts with the pickle PROTO opcode 0x80 and protocol 2.
        var path = _dir.File("legacy.pt");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*legacy torch.save format*save it again with torch.save*");
    }

    [Theory]
    [InlineData("0.weight", float.NaN, 3, "tensor '0.weight' has 3 NaN values")]
    [InlineData("0.weight", float.PositiveInfinity, 1, "tensor '0.weight' has 1 infinite value")]
    [InlineData("2.bias", float.NegativeInfinity, 2, "tensor '2.bias' has 2 infinite values")]
    public void Non_finite_parameters_are_refused_naming_the_file_and_the_tensor(string key, float bad, int count, string expected)
    {
        var good = Write("init.pt", ("0.weight", W0, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        var entries = new List<(string, float[], long[])>
        {
            ("0.weight", (float[])W.Clone(), [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", (float[])Zero2.Clone(), [2]),
        };
        var values = entries.Single(e => e.Item1 == key).Item2;
        for (var i = 0; i < count; i++)
        {
            values[i] = bad;
        }

        var trained = Write("trained.pt", [.. entries]);

        FluentActions.Invoking(() => Fcnn.FromPyTorch(good, trained)).Should().Throw<InvalidDataException>()
            .WithMessage($"Cannot load PyTorch state_dict '{trained}': {expected}.");
    }

    [Fact]
    public void Named_layers_whose_order_neither_names_nor_shapes_give_are_refused_with_the_remedy()
    {
        // fc_in and fc_mid are both [3, 3]: fc_in→fc_mid→fc_out and fc_mid→fc_in→fc_out both chain.
        var path = WriteNamed("named.pt", ("fc_out", [2, 3]), ("fc_in", [3, 3]), ("fc_mid", [3, 3]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"Cannot load PyTorch state_dict '{path}': these layers cannot be ordered: fc_in [3, 3], fc_mid [3, 3], fc_out [2, 3] " +
                         "(their names differ in more than a number, and 2 orders of their shapes chain); name them in order*or pass the order (--layer-order*LayerOrder*");
    }

    [Fact]
    public void A_given_layer_order_is_used_and_checked_against_the_file()
    {
        var path = WriteNamed("named.pt", ("fc_out", [2, 3]), ("fc_in", [3, 3]), ("fc_mid", [3, 3]));

        using var model = Fcnn.FromPyTorch(path, path, new PyTorchImportOptions { LayerOrder = ["fc_mid", "fc_in", "fc_out"] });

        // WriteNamed fills layer "fc_mid" with 2 (its position in the list above + 1), "fc_in" with 1, "fc_out" with 0.
        model.LayerSizes.Should().Equal(3, 3, 3, 2);
        TensorAssert.Values(model.Trained.Weights[0]).Should().OnlyContain(v => v == 2);
        TensorAssert.Values(model.Trained.Weights[1]).Should().OnlyContain(v => v == 1);
        TensorAssert.Values(model.Trained.Weights[2]).Should().OnlyContain(v => v == 0);

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path, new PyTorchImportOptions { LayerOrder = ["fc_in", "fc_hidden", "fc_out"] }))
            .Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*layer order fc_in,fc_hidden,fc_out does not match its layers fc_in, fc_mid, fc_out: it names fc_hidden, which the file does not have; it leaves out fc_mid*");
    }

    [Fact]
    public void Named_layers_whose_shapes_chain_one_way_only_load_in_that_order()
    {
        // 'z_first' [2, 3] then 'a_last' [2, 2] is the only chain (a_last gives 2 outputs, z_first takes 3), although
        // 'a_last' sorts first as text.
        var path = Write("named.pt", ("a_last.weight", Identity, [2, 2]), ("a_last.bias", Zero2, [2]), ("z_first.weight", W, [2, 3]), ("z_first.bias", B, [2]));

        using var model = Fcnn.FromPyTorch(path, path);

        model.LayerSizes.Should().Equal(3, 2, 2);
        TensorAssert.Values(model.Trained.Weights[0]).Should().Equal(W);
        TensorAssert.Values(model.Trained.Weights[1]).Should().Equal(Identity);
    }

    [Fact]
    public void Numbered_names_order_by_their_numbers_within_a_segment()
    {
        // fc1 … fc11 with sizes 2, 3, …, 13: as text "fc10" < "fc2", which would break the chain.
        var entries = new List<(string, float[], long[])>();
        for (var k = 1; k <= 11; k++)
        {
            entries.Add(($"fc{k}.weight", Enumerable.Repeat((float)k, (k + 2) * (k + 1)).ToArray(), [k + 2, k + 1]));
            entries.Add(($"fc{k}.bias", new float[k + 2], [k + 2]));
        }

        var path = Write("fc.pt", [.. entries]);
        using var model = Fcnn.FromPyTorch(path, path);

        model.LayerSizes.Should().Equal(Enumerable.Range(2, 12));
        TensorAssert.Values(model.Trained.Weights[9]).Should().OnlyContain(v => v == 10, "layer 9 is fc10");
    }

    [Fact]
    public void A_rank_one_weight_is_rejected()
    {
        var path = Write("rank1.pt", ("0.weight", W, [6]), ("0.bias", B, [2]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*'0.weight' has shape [6]*[out, in]*");
    }

    [Fact]
    public void A_broken_chain_is_rejected()
    {
        // Layer 0 gives 2 outputs, layer 2 takes 3 inputs.
        var path = Write("chain.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", W0, [2, 3]), ("2.bias", Zero2, [2]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*'2.weight' takes 3 inputs but the previous layer gives 2*");
    }

    [Fact]
    public void A_missing_bias_is_rejected()
    {
        var path = Write("nobias.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*'2.bias' is missing*");
    }

    [Fact]
    public void A_bias_of_the_wrong_length_is_rejected()
    {
        var path = Write("bias.pt", ("0.weight", W, [2, 3]), ("0.bias", [0, 0, 0], [3]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*'0.bias' has shape [3], expected [2]*");
    }

    [Fact]
    public void A_single_extra_non_linear_entry_is_rejected()
    {
        var path = Write("extra.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("1.running_mean", Zero2, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*not Linear weights or biases: 1.running_mean*");
    }

    [Fact]
    public void A_batch_norm_layer_is_rejected()
    {
        // nn.Sequential(Linear(3, 2), BatchNorm1d(2), ReLU(), Linear(2, 2)): BatchNorm has a rank-1 weight and buffers.
        var path = _dir.File("batchnorm.pt");
        using (var scope = NewDisposeScope())
        {
            var table = new Hashtable
            {
                ["0.weight"] = tensor(W, [2, 3]),
                ["0.bias"] = tensor(B),
                ["1.weight"] = ones(2),
                ["1.bias"] = zeros(2),
                ["1.running_mean"] = zeros(2),
                ["1.running_var"] = ones(2),
                ["1.num_batches_tracked"] = tensor(0L),
                ["3.weight"] = tensor(Identity, [2, 2]),
                ["3.bias"] = tensor(Zero2),
            };
            PyTorchPickler.PickleStateDict(path, table);
        }

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*not Linear weights or biases*running_mean*")
            .WithMessage("*num_batches_tracked*");
    }

    [Fact]
    public void Integer_weights_are_rejected()
    {
        var path = _dir.File("int.pt");
        using (var scope = NewDisposeScope())
        {
            var table = new Hashtable
            {
                ["0.weight"] = tensor(new long[] { 1, 2, 0, 0, 1, -1 }, [2, 3]),
                ["0.bias"] = tensor(new long[] { 0, -1 }),
            };
            PyTorchPickler.PickleStateDict(path, table);
        }

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*not floating point*");
    }

    [Fact]
    public void A_single_output_last_layer_is_rejected()
    {
        var path = Write("one-class.pt", ("0.weight", [1, 2, 3], [1, 3]), ("0.bias", [0], [1]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*fewer than two outputs*");
    }

    [Fact]
    public void A_state_dict_without_weights_is_rejected()
    {
        var path = Write("biases-only.pt", ("0.bias", B, [2]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*no '<layer>.weight' entries*");
    }

    [Fact]
    public void A_non_tensor_entry_is_rejected()
    {
        var path = _dir.File("not-tensor.pt");
        using (var scope = NewDisposeScope())
        {
            var table = new Hashtable
            {
                ["0.weight"] = tensor(W, [2, 3]),
                ["0.bias"] = tensor(B),
                ["version"] = 3,
            };
            PyTorchPickler.PickleStateDict(path, table);
        }

        FluentActions.Invoking(() => Fcnn.FromPyTorch(path, path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*entry 'version' is not a tensor*");
    }

    [Fact]
    public void Initial_and_trained_files_of_different_networks_are_rejected_naming_both()
    {
        var initial = Write("init.pt", ("0.weight", W, [2, 3]), ("0.bias", B, [2]), ("2.weight", Identity, [2, 2]), ("2.bias", Zero2, [2]));
        var trained = Write("trained.pt", ("0.weight", W, [3, 2]), ("0.bias", [0, 0, 0], [3]), ("2.weight", W, [2, 3]), ("2.bias", Zero2, [2]));

        FluentActions.Invoking(() => Fcnn.FromPyTorch(initial, trained)).Should().Throw<InvalidDataException>()
            .WithMessage($"*different networks*'{initial}' is 3-2-2*'{trained}' is 2-3-2*");
    }

    /// <summary>Writes Linear layers named as given, the i-th filled with the value i (weights) and zero biases.</summary>
    private string WriteNamed(string name, params (string Layer, long[] Shape)[] layers) =>
        Write(name, [.. layers.SelectMany((l, i) => new[]
        {
            ($"{l.Layer}.weight", Enumerable.Repeat((float)i, (int)(l.Shape[0] * l.Shape[1])).ToArray(), l.Shape),
            ($"{l.Layer}.bias", new float[l.Shape[0]], new[] { l.Shape[0] }),
        })]);

    /// <summary>Writes a state_dict of float32 tensors, in the given key order, and returns its path.</summary>
    private string Write(string name, params (string Key, float[] Values, long[] Shape)[] entries)
    {
        var path = _dir.File(name);
        using var scope = NewDisposeScope();
        var table = new Hashtable();
        foreach (var (key, values, shape) in entries)
        {
            table[key] = tensor(values, shape);
        }

        PyTorchPickler.PickleStateDict(path, table);
        return path;
    }
}
