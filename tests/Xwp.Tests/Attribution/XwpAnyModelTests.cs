using FluentAssertions;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Xwp.IO;
using Xwp.Tests.Cli;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Attribution;

/// <summary>
/// XWP and XWP^c on models other than <see cref="Fcnn"/> (<see cref="XwpModel"/>): the rank-1 path equals the
/// literal one (reset the column in the live weight, run the whole module), the Fcnn fast path equals the
/// generic path, and a scripted PyTorch MLP gives the values PyTorch computes literally (make_xwp_fixtures.py).
/// </summary>
public class XwpAnyModelTests
{
    /// <summary>x + GELU(Linear(x)).</summary>
    private sealed class Residual : nn.Module<Tensor, Tensor>
    {
        private readonly Linear inner;

        public Residual(int size)
            : base(nameof(Residual))
        {
            inner = nn.Linear(size, size);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input + nn.functional.gelu(inner.call(input));
    }

    /// <summary>fc1 (10 → 6), then GELU and two heads (2 and 1 outputs) concatenated: [N, 3].</summary>
    private sealed class TwoHead : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1;
        private readonly Linear headA;
        private readonly Linear headB;

        public TwoHead()
            : base(nameof(TwoHead))
        {
            fc1 = nn.Linear(10, 6);
            headA = nn.Linear(6, 2);
            headB = nn.Linear(6, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => Rest(fc1.call(input));

        public Tensor Rest(Tensor h)
        {
            var a = nn.functional.gelu(h);
            return cat([headA.call(a), headB.call(a)], 1);
        }
    }

    private static void Train(nn.Module module, long seed)
    {
        // A stand-in for training: noise on every parameter, and BatchNorm's running statistics moved.
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var p in module.parameters())
            {
                p.add_(randn(p.shape, generator: g).mul_(0.3));
            }
        }
    }

    private static Sequential RichMlp()
    {
        manual_seed(3);
        return nn.Sequential(
            ("fc1", nn.Linear(10, 16)),
            ("bn", nn.BatchNorm1d(16)),
            ("gelu", nn.GELU()),
            ("res", new Residual(16)),
            ("ln", nn.LayerNorm(16)),
            ("drop", nn.Dropout(0.5)),
            ("out", nn.Linear(16, 4)));
    }

    public static TheoryData<string, ComplementSign> Methods => new()
    {
        { "xwp", ComplementSign.ByItself },
        { "xwpc", ComplementSign.ByItself },
        { "xwpc", ComplementSign.Literal },
    };

    private static AttributionMethod Method(string name, ComplementSign sign, XwpAlgorithm algorithm, OutputSpace space = OutputSpace.Probabilities) =>
        name == "xwp"
            ? Attributions.Xwp(new XwpOptions { Algorithm = algorithm, OutputSpace = space })
            : Attributions.XwpComplement(new XwpComplementOptions { Algorithm = algorithm, Sign = sign, OutputSpace = space });

    [Theory]
    [MemberData(nameof(Methods))]
    public void Rank1_equals_the_literal_path_on_an_mlp_with_batchnorm_dropout_layernorm_gelu_and_a_residual_block(string name, ComplementSign sign)
    {
        using var module = RichMlp();
        using var initial = FirstLayerSnapshot.Capture(module);
        initial.LayerName.Should().Be("fc1");
        Train(module, 7);
        using (no_grad())
        {
            // Running statistics away from their defaults, as after training.
            module.train();
            using var warm = randn(64, 10).mul_(2).add_(0.5);
            module.call(warm).Dispose();
        }

        var model = XwpModel.FromModule(module, initial);
        model.SplitsAtFirstLayer.Should().BeTrue();
        using var x = randn(6, 10);
        x[0, 3] = tensor(0f);
        var y = new long[] { 0, 1, 2, 3, 0, 1 };
        using var fast = model.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.Rank1)).Compute();
        using var literal = model.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.RowSwap)).Compute();

        TensorAssert.Close(fast, literal, 1e-5);
        fast.abs().max().item<float>().Should().BeGreaterThan(1e-3f, "the scores are not all zero");
        module.training.Should().BeTrue("the module's mode is restored after the explanation");
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Rank1_equals_the_literal_path_on_a_two_head_module_split_by_hand(string name, ComplementSign sign)
    {
        manual_seed(5);
        using var module = new TwoHead();
        using var initial = FirstLayerSnapshot.Capture(module, "fc1");
        Train(module, 11);
        var split = XwpModel.FromModule(module, initial, rest: module.Rest);
        var whole = XwpModel.FromModule(module, initial);
        split.SplitsAtFirstLayer.Should().BeTrue();
        whole.SplitsAtFirstLayer.Should().BeFalse("a custom module does not split unless told how");
        using var x = randn(5, 10);
        var y = new long[] { 0, 1, 2, 2, 1 };

        using var fast = split.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.Rank1)).Compute();
        using var literal = whole.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.Rank1)).Compute();

        TensorAssert.Close(fast, literal, 1e-5);
        fast.abs().max().item<float>().Should().BeGreaterThan(1e-3f);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void The_fcnn_fast_path_equals_the_generic_path_on_the_same_weights(string name, ComplementSign sign)
    {
        using var fcnn = TinyNets.RandomTrained([8, 6, 5, 3], seed: 21, noise: 0.3);
        using var w0 = fcnn.CopyWeight(0, initial: true);
        using var initial = FirstLayerSnapshot.FromWeight("0", w0);
        var generic = XwpModel.FromModule(fcnn.Module, initial);
        generic.SplitsAtFirstLayer.Should().BeTrue();
        using var x = rand(7, 8);
        var y = new long[] { 0, 1, 2, 0, 1, 2, 0 };

        foreach (var space in new[] { OutputSpace.Probabilities, OutputSpace.Logits })
        {
            using var expected = fcnn.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.Rank1, space)).Compute();
            using var actual = generic.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.Rank1, space)).Compute();
            using var literal = generic.Explain(x).For(y).Using(Method(name, sign, XwpAlgorithm.RowSwap, space)).Compute();
            TensorAssert.Close(actual, expected, 1e-5);
            TensorAssert.Close(literal, expected, 1e-5);
        }
    }

    [Theory]
    [InlineData("xwp", XwpAlgorithm.Rank1)]
    [InlineData("xwp", XwpAlgorithm.RowSwap)]
    [InlineData("xwpc", XwpAlgorithm.Rank1)]
    [InlineData("xwpc", XwpAlgorithm.RowSwap)]
    public void A_scripted_pytorch_mlp_gives_the_values_pytorch_computes_literally(string name, XwpAlgorithm algorithm)
    {
        // xwp_mlp.pt: Flatten, Linear 12→8, BatchNorm1d, ReLU, Dropout, Linear 8→3, trained 40 SGD steps;
        // xwp_mlp_xwp/xwpc.npy: the literal definitions evaluated in PyTorch (make_xwp_fixtures.py).
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_mlp.pt"));
        using var initial = FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_mlp_init_state.pt"), script);
        initial.LayerName.Should().Be("1", "the first Linear comes after a leading Flatten");
        var model = XwpModel.FromTorchScript(script, initial);
        model.SplitsAtFirstLayer.Should().BeTrue();
        using var x = NpyFile.Read(TorchScriptCommandTests.Fixture("xwp_mlp_inputs.npy"));
        using var y = NpyFile.Read(TorchScriptCommandTests.Fixture("xwp_mlp_targets.npy"));
        using var expected = NpyFile.Read(TorchScriptCommandTests.Fixture($"xwp_mlp_{name}.npy"));

        using var map = model.Explain(x).For(y).Using(Method(name, ComplementSign.ByItself, algorithm)).Compute();

        map.shape.Should().Equal(4, 3, 4);
        TensorAssert.Close(map, expected, 1e-5);
        map[0, 0, 1].item<float>().Should().BeApproximately(0f, 1e-7f, "a zero-valued feature changes nothing");
    }

    [Fact]
    public void Snapshots_from_a_state_dict_a_torchscript_file_and_safetensors_are_the_same_weight()
    {
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_mlp.pt"));
        using var fromState = FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_mlp_init_state.pt"), script);
        using var fromScript = FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_mlp_init.pt"), script);
        var path = Path.Combine(Path.GetTempPath(), $"xwp-{Guid.NewGuid():N}.safetensors");
        try
        {
            TorchSharp.PyBridge.Safetensors.SaveStateDict(path, new Dictionary<string, Tensor> { ["1.weight"] = fromState.Weight });
            using var fromSafetensors = FirstLayerSnapshot.Load(path, script);
            TensorAssert.Identical(fromScript.Weight, fromState.Weight);
            TensorAssert.Identical(fromSafetensors.Weight, fromState.Weight);
            fromState.Weight.shape.Should().Equal(8, 12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_snapshot_without_the_tensor_or_with_another_shape_or_non_finite_values_is_refused_by_name()
    {
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_mlp.pt"));
        var missing = () => FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_twohead_init_state.pt"), script);
        missing.Should().Throw<InvalidDataException>().WithMessage("*has no tensor '1.weight'*fc1.weight*");

        var path = Path.Combine(Path.GetTempPath(), $"xwp-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var small = zeros(8, 11);
            TorchSharp.PyBridge.Safetensors.SaveStateDict(path, new Dictionary<string, Tensor> { ["1.weight"] = small });
            var shape = () => FirstLayerSnapshot.Load(path, script);
            shape.Should().Throw<InvalidDataException>().WithMessage("*'1.weight'*[8, 11]*[8, 12]*");

            using var nan = zeros(8, 12);
            nan[2, 3] = tensor(float.NaN);
            TorchSharp.PyBridge.Safetensors.SaveStateDict(path, new Dictionary<string, Tensor> { ["1.weight"] = nan });
            var nonFinite = () => FirstLayerSnapshot.Load(path, script);
            nonFinite.Should().Throw<InvalidDataException>().WithMessage("*'1.weight'*not finite*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_snapshot_file_of_another_kind_is_named_as_such_not_with_the_json_readers_error()
    {
        // A file that is no zip was read as safetensors whatever it held: a text file's first 8 bytes made a header length of
        // ~8e18 ("Length of JSON exceeded int.MaxValue, not supported yet"), an empty one "does not contain any JSON tokens".
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_mlp.pt"));
        var path = Path.Combine(Path.GetTempPath(), $"xwp-{Guid.NewGuid():N}.pt");
        try
        {
            string Refusal() => FluentActions.Invoking(() => FirstLayerSnapshot.Load(path, script)).Should().Throw<InvalidDataException>().Which.Message;
            const string what = "is not a state_dict (torch.save writes a zip archive), a safetensors file (an 8-byte header length, then JSON) or a TorchScript file";

            File.WriteAllText(path, "hello world\n");
            Refusal().Should().Be($"'{path}' {what}: it starts with the bytes 68656C6C.");
            File.WriteAllBytes(path, []);
            Refusal().Should().Be($"'{path}' {what}: it is empty.");
            using (var x = zeros(2, 12))
            {
                NpyFile.Write(path, x);
            }

            Refusal().Should().Be($"'{path}' {what}: it starts with the bytes 934E554D (a NumPy .npy array).");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_truncated_zip_snapshot_is_named_with_its_path()
    {
        // `xwp explain --torchscript model.pt --initial trunc.pt` printed only the zip reader's
        // "End of Central Directory record could not be found.", without the file.
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_mlp.pt"));
        var path = Path.Combine(Path.GetTempPath(), $"xwp-{Guid.NewGuid():N}.pt");
        try
        {
            var whole = File.ReadAllBytes(TorchScriptCommandTests.Fixture("xwp_mlp_init_state.pt"));
            File.WriteAllBytes(path, whole[..(whole.Length / 2)]);
            var act = () => FirstLayerSnapshot.Load(path, script);
            act.Should().Throw<InvalidDataException>()
                .WithMessage($"'{path}' starts like a zip archive (torch.save, TorchScript) but cannot be opened as one, e.g. because it is truncated: *");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Naming_a_later_linear_of_a_sequential_is_refused_even_when_its_input_size_matches()
    {
        // Layer '2' takes 4 values like the input does, but '0' runs before it.
        using var module = nn.Sequential(("0", nn.Linear(4, 4)), ("1", nn.ReLU()), ("2", nn.Linear(4, 4)), ("3", nn.ReLU()), ("4", nn.Linear(4, 2)));
        using var w = zeros(4, 4);
        using var initial = FirstLayerSnapshot.FromWeight("2", w);
        var act = () => XwpModel.FromModule(module, initial);
        act.Should().Throw<ArgumentException>().WithMessage("The layer '2' is not the first layer of this Sequential: '0' (Linear) runs before it.*");

        using var first = FirstLayerSnapshot.FromWeight("0", w);
        using var model = XwpModel.FromModule(module, first);
        model.FirstLayerName.Should().Be("0");
    }

    [Fact]
    public void A_model_whose_first_layer_is_not_linear_is_refused_with_the_methods_that_work()
    {
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("xwp_convfirst.pt"));
        var load = () => FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_mlp_init_state.pt"), script);
        load.Should().Throw<ArgumentException>().WithMessage("*'0' (Conv2d), not Linear*Occlusion*");

        using var cnn = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("cnn.pt"));
        var custom = () => FirstLayerSnapshot.Load(TorchScriptCommandTests.Fixture("xwp_mlp_init_state.pt"), cnn);
        custom.Should().Throw<ArgumentException>().WithMessage("*SmallCnn, not a Sequential*'conv' (Conv2d)*'fc' (Linear)*");
    }

    [Fact]
    public void Scripted_layer_types_are_read_from_the_file()
    {
        using var mlp = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("mlp.pt"));
        mlp.Layout!.IsSequential.Should().BeTrue();
        mlp.Layout.Children.Select(c => c.Type).Should().Equal("Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear");
        using var cnn = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("cnn.pt"));
        cnn.Layout!.RootType.Should().Be("SmallCnn");
        cnn.Layout.Children.Should().Equal(("conv", "Conv2d"), ("pool", "MaxPool2d"), ("fc", "Linear"));
    }

    [Fact]
    public void The_live_weight_is_restored_after_the_literal_path()
    {
        using var module = RichMlp();
        using var initial = FirstLayerSnapshot.Capture(module);
        Train(module, 2);
        using var before = module.parameters().First().detach().clone();
        var model = XwpModel.FromModule(module, initial);
        using var x = randn(3, 10);
        using var map = model.Explain(x).Using(Attributions.Xwp(new XwpOptions { Algorithm = XwpAlgorithm.RowSwap })).Compute();
        TensorAssert.Identical(module.parameters().First(), before);
    }

    [Theory]
    [InlineData("xwp", ComplementSign.ByItself, XwpAlgorithm.Rank1)]
    [InlineData("xwpc", ComplementSign.ByItself, XwpAlgorithm.Rank1)]
    [InlineData("xwpc", ComplementSign.Literal, XwpAlgorithm.Rank1)]
    [InlineData("xwp", ComplementSign.ByItself, XwpAlgorithm.RowSwap)]
    [InlineData("xwpc", ComplementSign.Literal, XwpAlgorithm.RowSwap)]
    public void All_classes_at_once_equal_one_class_at_a_time(string name, ComplementSign sign, XwpAlgorithm algorithm)
    {
        using var module = RichMlp();
        using var initial = FirstLayerSnapshot.Capture(module);
        Train(module, 5);
        using var model = XwpModel.FromModule(module, initial);
        using var fcnn = TinyNets.RandomTrained([10, 6, 4], seed: 9, noise: 0.3);
        using var x = randn(5, 10);
        foreach (var m in new ExplainableModel[] { model, fcnn })
        {
            using var all = m.Explain(x).ForAllClasses().Using(Method(name, sign, algorithm)).Compute();
            all.shape.Should().Equal(5, 4, 10);
            for (var c = 0L; c < 4; c++)
            {
                using var one = m.Explain(x).For(Enumerable.Repeat(c, 5).ToArray()).Using(Method(name, sign, algorithm)).Compute();
                TensorAssert.Close(all.select(1, c), one, 1e-6);
            }
        }
    }

    [Fact]
    public void Other_methods_loop_over_classes_for_all_class_maps()
    {
        using var fcnn = TinyNets.RandomTrained([6, 5, 3], seed: 4, noise: 0.3);
        using var x = rand(4, 6);
        var occlusion = Attributions.FeatureAblation();
        using var explanation = fcnn.Explain(x).ForAllClasses().Using(occlusion).ComputeExplanation();
        explanation.Map.shape.Should().Equal(4, 3, 6);
        explanation.Targets.data<long>().ToArray().Should().Equal(0, 1, 2);
        for (var c = 0L; c < 3; c++)
        {
            using var one = fcnn.Explain(x).For(c, c, c, c).Using(occlusion).Compute();
            TensorAssert.Close(explanation.Map.select(1, c), one, 1e-7);
        }
    }
}
