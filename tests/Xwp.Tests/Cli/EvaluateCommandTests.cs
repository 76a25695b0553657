using System.Text.Json;
using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using Xwp.Tests.TestUtils;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Json_output_has_one_key_per_metric_with_mean_and_ci95_equal_to_the_api()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        var init = SaveStateDict(model.Initial, "init.pt");
        var trained = SaveStateDict(model.Trained, "trained.pt");
        var (x, y, a) = WriteData(model, 6);
        using (x)
        using (y)
        using (a)
        {
            var (code, stdout, _) = Run("--initial", init, "--trained", trained, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--json");

            code.Should().Be(0);
            using var json = JsonDocument.Parse(stdout);
            json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal(
                "deletion_auc", "insertion_auc", "average_drop", "average_drop_gradcampp", "increase_in_confidence");
            foreach (var metric in Metrics.All)
            {
                var entry = json.RootElement.GetProperty(metric.Name);
                var expected = metric.Score(model, x, y, a).Statistics;
                entry.GetProperty("mean").GetDouble().Should().BeApproximately(expected.Mean, 1e-9, metric.Name);
                var ci = entry.GetProperty("ci95").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                ci.Should().HaveCount(2);
                ci[0].Should().BeApproximately(expected.Interval.Lower, 1e-9);
                ci[1].Should().BeApproximately(expected.Interval.Upper, 1e-9);
            }
        }
    }

    [Fact]
    public void Curves_are_written_and_step_options_are_applied()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 4);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 5);
        using (x)
        using (y)
        using (a)
        {
            var (code, stdout, stderr) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"),
                "--metrics", "insertion-auc,deletion-auc", "--features-per-step", "3", "--max-steps", "2", "--removal-value", "0.5", "--curves-out", P("C.npy"));

            code.Should().Be(0);
            stdout.Should().Contain("| method | Insertion AUC ↑ | Deletion AUC ↓ |").And.Contain("| A |");
            stderr.Should().Contain("[2, 5, 3]");
            using var curves = NpyFile.Read(P("C.npy"));
            curves.shape.Should().Equal(2, 5, 3);

            var options = new CurveMetricOptions { FeaturesPerStep = 3, MaxSteps = 2, RemovalValue = RemovalValue.Of(0.5) };
            using var expected = Metrics.DeletionAuc(options).Score(model, x, y, a).CurvesToTensor();
            TensorAssert.Close(curves[1], expected, 1e-6);
        }
    }

    [Fact]
    public void A_per_feature_removal_value_is_read_from_npy()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 5);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 4);
        using (x)
        using (y)
        using (a)
        using (var removal = rand(12))
        {
            NpyFile.Write(P("R.npy"), removal);
            var (code, stdout, _) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"),
                "--metrics", "average-drop", "--fraction", "0.5", "--removal-value", P("R.npy"), "--json");

            code.Should().Be(0);
            var expected = Metrics.AverageDrop(new AverageDropOptions { Fraction = 0.5, RemovalValue = RemovalValue.PerFeature(removal) }).Score(model, x, y, a);
            using var json = JsonDocument.Parse(stdout);
            json.RootElement.GetProperty("average_drop").GetProperty("mean").GetDouble().Should().BeApproximately(expected.Mean, 1e-9);
            json.RootElement.GetProperty("average_drop").GetProperty("settings").GetProperty("features_removed").GetString().Should().Be("6");
        }
    }

    [Fact]
    public void Maps_of_the_wrong_shape_are_reported_with_the_file()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 4);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 4);
        using (x)
        using (y)
        using (a)
        using (var wrong = rand(3, 12))
        {
            NpyFile.Write(P("B.npy"), wrong);
            var act = () => Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("B.npy"));
            act.Should().Throw<InvalidDataException>().WithMessage("*B.npy*[3, 12]*[4, 12]*");
        }
    }

    [Fact]
    public void Two_named_maps_give_every_metric_per_map_and_one_comparison_per_metric_equal_to_the_api()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 6);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 30);
        using (x)
        using (y)
        using (a)
        using (var b = model.Explain(x).For(y).Using(Attributions.Saliency()).Compute())
        {
            NpyFile.Write(P("B.npy"), b);
            var (code, stdout, _) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"),
                "--attributions", $"xwp={P("A.npy")},saliency={P("B.npy")}", "--metrics", "deletion-auc,average-drop", "--json");

            code.Should().Be(0);
            using var json = JsonDocument.Parse(stdout);
            var root = json.RootElement;
            root.EnumerateObject().Select(p => p.Name).Should().Equal("images", "confidence_level", "interval", "methods", "comparisons");
            root.GetProperty("methods").EnumerateObject().Select(p => p.Name).Should().Equal("xwp", "saliency");
            var comparisons = root.GetProperty("comparisons").EnumerateArray().ToArray();
            comparisons.Select(c => (c.GetProperty("metric").GetString(), c.GetProperty("a").GetString(), c.GetProperty("b").GetString()))
                .Should().Equal(("deletion_auc", "xwp", "saliency"), ("average_drop", "xwp", "saliency"));
            comparisons[0].EnumerateObject().Select(p => p.Name).Should().Equal(
                "metric", "a", "b", "direction", "pairs", "nonzero_pairs", "hodges_lehmann", "ci95", "ci95_open", "mean_difference",
                "w_plus", "z", "p_value", "exact", "alpha", "significant", "better");

            var expected = model.Evaluate(x, y).WithMaps("xwp", a).WithMaps("saliency", b).Metrics(Metrics.DeletionAuc()).Run()
                .Compare("xwp", "saliency", "deletion_auc");
            comparisons[0].GetProperty("hodges_lehmann").GetDouble().Should().BeApproximately(expected.HodgesLehmannEstimate, 1e-9);
            var ci = comparisons[0].GetProperty("ci95").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            ci.Should().Equal([expected.HodgesLehmannInterval.Lower, expected.HodgesLehmannInterval.Upper], (l, r) => Math.Abs(l - r) < 1e-9);
            comparisons[0].GetProperty("p_value").GetDouble().Should().BeApproximately(expected.PValue, 1e-12);
            comparisons[0].GetProperty("pairs").GetInt32().Should().Be(30);
            comparisons[0].GetProperty("significant").GetBoolean().Should().Be(!expected.HodgesLehmannInterval.Contains(0));
        }
    }

    [Fact]
    public void Three_maps_compare_every_pair_in_order_and_default_to_file_names_in_markdown_and_curves()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 7);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 8);
        using (x)
        using (y)
        using (a)
        using (var b = model.Explain(x).For(y).Using(Attributions.Saliency()).Compute())
        using (var c = model.Explain(x).For(y).Using(Attributions.InputMagnitude()).Compute())
        {
            NpyFile.Write(P("B.npy"), b);
            NpyFile.Write(P("C.npy"), c);
            var maps = string.Join(',', P("A.npy"), P("B.npy"), P("C.npy"));
            var (code, stdout, _) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", maps,
                "--metrics", "deletion-auc", "--max-steps", "4", "--json");
            code.Should().Be(0);
            using (var json = JsonDocument.Parse(stdout))
            {
                json.RootElement.GetProperty("methods").EnumerateObject().Select(p => p.Name).Should().Equal("A", "B", "C");
                json.RootElement.GetProperty("comparisons").EnumerateArray()
                    .Select(e => e.GetProperty("a").GetString() + "-" + e.GetProperty("b").GetString())
                    .Should().Equal("A-B", "A-C", "B-C"); // m(m − 1)/2 = 3 pairs, A before B in --attributions order
            }

            (code, stdout, var stderr) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", maps,
                "--metrics", "deletion-auc,insertion-auc", "--max-steps", "4", "--curves-out", P("curves.npy"));
            code.Should().Be(0);
            stdout.Should().Contain("| A |").And.Contain("| B |").And.Contain("| C |")
                .And.Contain("| metric | A − B | Hodges–Lehmann [95% CI] |").And.Contain("| deletion_auc | B − C |");
            stderr.Should().Contain("[2, 3, 8, 5]");
            using var curves = NpyFile.Read(P("curves.npy"));
            curves.shape.Should().Equal(2, 3, 8, 5); // [metric, map, image, step]
            using var expected = Metrics.InsertionAuc(new CurveMetricOptions { MaxSteps = 4 }).Score(model, x, y, b).CurvesToTensor();
            TensorAssert.Close(curves[1][1], expected, 1e-6);
        }
    }

    [Theory]
    [InlineData("a.npy,b/a.npy", "*two maps are named 'a'*")]
    [InlineData("=a.npy", "*'=a.npy' needs a file*")]
    [InlineData("x=", "*'x=' needs a file*")]
    [InlineData(",", "*at least one*")]
    public void Attribution_lists_that_cannot_be_named_are_usage_errors(string list, string message)
    {
        var act = () => EvaluateCommand.ParseAttributions(list);
        act.Should().Throw<UsageException>().WithMessage(message);
    }

    [Theory]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--targets", "y.npy", "--attributions", "a.npy", "--metrics", "auc" }, "*--metrics*'auc' is not one*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--targets", "y.npy", "--attributions", "a.npy", "--metrics", "average-drop", "--curves-out", "c.npy" }, "*--curves-out needs*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--targets", "y.npy", "--attributions", "a.npy", "--fraction", "1.5" }, "*--fraction must lie in (0, 1]*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--targets", "y.npy", "--attributions", "a.npy", "--removal-value", "black" }, "*--removal-value must be a number or a .npy file*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--targets", "y.npy", "--attributions", "a.npy", "--max-steps", "0" }, "*--max-steps must be an integer ≥ 1*")]
    [InlineData(new[] { "--model", "m", "--inputs", "x.npy", "--targets", "y.npy" }, "*--attributions is required*")]
    [InlineData(new[] { "--inputs", "x.npy", "--targets", "y.npy", "--attributions", "a.npy" }, "*--initial and --trained, or --model*")]
    public void Usage_mistakes_name_the_option(string[] args, string message)
    {
        var act = () => new EvaluateCommand(TextWriter.Null, TextWriter.Null).Run(new Arguments(args));
        act.Should().Throw<UsageException>().WithMessage(message);
    }

    [Fact]
    public void The_claim_metrics_have_json_keys_with_mean_and_ci95_equal_to_the_api()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 6);
        using (x)
        using (y)
        using (a)
        {
            var (code, stdout, _) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"),
                "--metrics", "sparseness,complexity,max-sensitivity,randomisation", "--method", "xwp",
                "--sensitivity-radius", "0.05", "--sensitivity-samples", "3", "--sensitivity-seed", "2", "--randomisation-seed", "4", "--json");

            code.Should().Be(0);
            using var json = JsonDocument.Parse(stdout);
            json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("sparseness", "complexity", "max_sensitivity", "randomisation");
            var method = Attributions.Xwp();
            EvaluationMetric[] expected =
            [
                Metrics.Sparseness(), Metrics.Complexity(),
                Metrics.MaxSensitivity(method, new MaxSensitivityOptions { Radius = 0.05, Samples = 3, Seed = 2 }),
                Metrics.ParameterRandomisation(method, new ParameterRandomisationOptions { Seed = 4 }),
            ];
            foreach (var metric in expected)
            {
                var entry = json.RootElement.GetProperty(metric.Name);
                var statistics = metric.Score(model, x, y, a).Statistics;
                entry.GetProperty("mean").GetDouble().Should().BeApproximately(statistics.Mean, 1e-9, metric.Name);
                entry.GetProperty("ci95").EnumerateArray().Should().HaveCount(2);
            }

            // A sanity anchor that does not come from the API: XWP maps depend on the weights, so randomising lowers |ρ| below 1.
            json.RootElement.GetProperty("randomisation").GetProperty("mean").GetDouble().Should().BeInRange(0, 0.999);
        }
    }

    [Fact]
    public void Metrics_that_rerun_the_method_need_method_and_randomisation_runs_on_a_torchscript_model()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 3);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 2);
        using (x)
        using (y)
        using (a)
        {
            var missing = () => Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--metrics", "sparseness,max-sensitivity");
            missing.Should().Throw<UsageException>().WithMessage("*max-sensitivity*--method*");
            var unused = () => Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--metrics", "sparseness", "--method", "xwp");
            unused.Should().Throw<UsageException>().WithMessage("*--method is read only by max-sensitivity and randomisation*");
        }

        // A scripted MLP's Linear layers are redrawn in place (and restored): the CLI's mean equals the library's on the same maps.
        var (code, stdout, _) = Run("--torchscript", TorchScriptCommandTests.Fixture("mlp.pt"), "--inputs", TorchScriptCommandTests.Fixture("mlp_inputs.npy"),
            "--targets", TorchScriptCommandTests.Fixture("mlp_targets.npy"), "--attributions", TorchScriptCommandTests.Fixture("captum_mlp_ig.npy"),
            "--metrics", "randomisation", "--method", "ig", "--randomisation-seed", "3", "--json");
        code.Should().Be(0);
        using var json = JsonDocument.Parse(stdout);
        using var script = TorchScriptModel.Load(TorchScriptCommandTests.Fixture("mlp.pt"));
        using var sx = NpyFile.Read(TorchScriptCommandTests.Fixture("mlp_inputs.npy"));
        using var sy = NpyFile.Read(TorchScriptCommandTests.Fixture("mlp_targets.npy"));
        using var sa = NpyFile.Read(TorchScriptCommandTests.Fixture("captum_mlp_ig.npy"));
        var library = Metrics.ParameterRandomisation(Attributions.IntegratedGradients(), new ParameterRandomisationOptions { Seed = 3 }).Score(script, sx, sy, sa);
        json.RootElement.GetProperty("randomisation").GetProperty("mean").GetDouble().Should().BeApproximately(library.Statistics.Mean, 1e-9);
        library.Statistics.Mean.Should().BeInRange(0, 0.999);
    }

    [Fact]
    public void Explain_all_classes_then_evaluate_all_classes_reports_every_class_as_the_api_does()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 8);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 5);
        using (x)
        using (y)
        using (a)
        {
            new ExplainCommand().Run(new Arguments(["--model", path, "--inputs", P("X.npy"), "--method", "xwpc", "--all-classes", "--out", P("all.npy")])).Should().Be(0);
            var (code, stdout, stderr) = Run("--model", path, "--inputs", P("X.npy"), "--attributions", P("all.npy"), "--all-classes",
                "--metrics", "deletion-auc,average-drop", "--json", "--curves-out", P("C.npy"));

            code.Should().Be(0);
            using var maps = NpyFile.Read(P("all.npy"));
            maps.shape.Should().Equal(5, 3, 12);
            var expected = model.Evaluate(x).WithMaps("all", maps).Metrics(Metrics.DeletionAuc(), Metrics.AverageDrop()).ForAllClasses().Run();
            using var json = JsonDocument.Parse(stdout);
            json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("deletion_auc", "average_drop");
            foreach (var metric in new[] { "deletion_auc", "average_drop" })
            {
                var entry = json.RootElement.GetProperty(metric);
                entry.GetProperty("mean").GetDouble().Should().Be(expected["all", metric].Mean);
                entry.GetProperty("n").GetInt32().Should().Be(15 - expected["all", metric].Excluded);
                var perClass = entry.GetProperty("per_class").EnumerateArray().ToArray();
                perClass.Should().HaveCount(3);
                for (var c = 0; c < 3; c++)
                {
                    perClass[c].GetProperty("class").GetInt32().Should().Be(c);
                    perClass[c].GetProperty("mean").GetDouble().Should().Be(expected["all", metric, c].Mean);
                }
            }

            // Class 1 equals scoring the class-1 maps against targets all 1, the literal way.
            using var ones = full(5, 1L, dtype: int64);
            using var classOne = maps.select(1, 1).contiguous();
            json.RootElement.GetProperty("deletion_auc").GetProperty("per_class")[1].GetProperty("mean").GetDouble()
                .Should().Be(Metrics.DeletionAuc().Score(model, x, ones, classOne).Mean);
            using var classOneCurves = Metrics.DeletionAuc().Score(model, x, ones, classOne).CurvesToTensor();
            var points = classOneCurves.shape[1]; // S + 1 points of the default steps for D = 12, as the API gives them
            points.Should().Be(97);
            stderr.Should().Contain("[5, 3, 97]");
            using var curves = NpyFile.Read(P("C.npy"));
            curves.shape.Should().Equal(5, 3, 97);
            TensorAssert.Close(curves.select(1, 1), classOneCurves, 0);

            var (_, markdown, _) = Run("--model", path, "--inputs", P("X.npy"), "--attributions", P("all.npy"), "--all-classes", "--metrics", "deletion-auc");
            markdown.Should().Contain("5 images × 3 classes = 15 (image, class) pairs").And.Contain("| all | 2 |");
        }
    }

    [Fact]
    public void An_all_class_file_with_targets_scores_each_rows_target_map()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 9);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 6);
        using (x)
        using (y)
        using (a)
        using (var all = model.Explain(x).ForAllClasses().Using(Attributions.Xwp()).Compute())
        {
            NpyFile.Write(P("all.npy"), all);
            // WriteData's maps are XWP for targets y, i.e. all[n, y_n]; the two files must give the same report.
            var (code, fromAll, _) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", "m=" + P("all.npy"), "--json");
            var (_, fromSelected, _) = Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", "m=" + P("A.npy"), "--json");

            code.Should().Be(0);
            fromAll.Should().Be(fromSelected);
            fromAll.Should().NotContain("per_class");
        }
    }

    [Fact]
    public void All_class_mistakes_name_the_file_and_both_shapes()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 10);
        var path = P("m.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 4);
        using (x)
        using (y)
        using (a)
        using (var fourClasses = rand(4, 4, 12))
        {
            NpyFile.Write(P("B.npy"), fourClasses);
            var wrong = () => Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("B.npy"));
            wrong.Should().Throw<InvalidDataException>().WithMessage("'*B.npy' has shape [4, 4, 12]; expected the inputs' shape [4, 12], or [4, 3, 12] with one map per class of the model's 3*");
            var perRow = () => Run("--model", path, "--inputs", P("X.npy"), "--attributions", P("A.npy"), "--all-classes");
            perRow.Should().Throw<InvalidDataException>().WithMessage("'*A.npy' holds one map per input, [4, 12]; --all-classes * needs one map per class, [4, 3, 12]*");
            var withTargets = () => Run("--model", path, "--inputs", P("X.npy"), "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--all-classes");
            withTargets.Should().Throw<UsageException>().WithMessage("--all-classes * does not take --targets.");
            var noTargets = () => Run("--model", path, "--inputs", P("X.npy"), "--attributions", P("A.npy"));
            noTargets.Should().Throw<UsageException>().WithMessage("*--targets*");
        }
    }

    [Fact]
    public void A_model_with_one_output_needs_no_targets_and_scores_as_with_class_0()
    {
        // explain needed no --targets for a one-output model, but evaluate required them (a file of zeros) for nothing to choose.
        var script = TorchScriptCommandTests.Fixture("one_output.pt");
        var inputs = TorchScriptCommandTests.Fixture("mlp_inputs.npy");
        using var model = TorchScriptModel.Load(script);
        using var x = NpyFile.Read(inputs);
        using var y = zeros(x.shape[0], dtype: int64);
        using var a = x.abs();
        NpyFile.Write(P("Y.npy"), y);
        NpyFile.Write(P("A.npy"), a);

        var (code, without, stderr) = Run("--torchscript", script, "--inputs", inputs, "--attributions", P("A.npy"), "--json", "--metrics", "deletion-auc,average-drop");
        code.Should().Be(0, stderr);
        var (_, with, _) = Run("--torchscript", script, "--inputs", inputs, "--targets", P("Y.npy"), "--attributions", P("A.npy"), "--json", "--metrics", "deletion-auc,average-drop");
        without.Should().Be(with);
        using var json = JsonDocument.Parse(without);
        json.RootElement.GetProperty("deletion_auc").GetProperty("mean").GetDouble()
            .Should().BeApproximately(Metrics.DeletionAuc().Score(model, x, y, a).Mean, 1e-9);
    }

    [Fact]
    public void A_model_with_several_outputs_still_needs_targets_or_all_classes()
    {
        using var model = TinyNets.RandomTrained([12, 6, 3], 5);
        var path = P("three.xwp");
        model.Save(path);
        var (x, y, a) = WriteData(model, 4);
        using (x)
        using (y)
        using (a)
        {
            FluentActions.Invoking(() => Run("--model", path, "--inputs", P("X.npy"), "--attributions", P("A.npy")))
                .Should().Throw<UsageException>()
                .WithMessage("--targets is required (or --all-classes): the model has 3 outputs, and the maps explain one class per input.");
        }
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = new EvaluateCommand(stdout, stderr).Run(new Arguments(args));
        return (code, stdout.ToString(), stderr.ToString());
    }

    private (Tensor X, Tensor Y, Tensor A) WriteData(Fcnn model, int rows)
    {
        var x = TinyNets.SparseInputs(rows, model.InputSize, 7);
        var y = tensor(Enumerable.Range(0, rows).Select(i => (long)(i % model.ClassCount)).ToArray());
        var a = model.Explain(x).For(y).Using(Attributions.Xwp()).Compute();
        NpyFile.Write(P("X.npy"), x);
        NpyFile.Write(P("Y.npy"), y);
        NpyFile.Write(P("A.npy"), a);
        return (x, y, a);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string SaveStateDict(Xwp.Models.FcnnSnapshot snapshot, string name) => StateDicts.Save(snapshot, P(name));
}
