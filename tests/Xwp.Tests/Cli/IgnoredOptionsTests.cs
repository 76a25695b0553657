using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// Options the chosen method (or, for `evaluate`, the chosen metrics) would not read are mistakes on the command
/// line: exit code 2 and one line naming the option and the method, never a run that silently ignores them.
/// The commands run through <see cref="FailureReport.Run"/>, as the program does.
/// </summary>
public sealed class IgnoredOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-cli-ignored-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => TorchScriptCommandTests.Fixture(name);

    private string OutPath => Path.Combine(_dir, "A.npy");

    /// <summary>Runs a command as the program does; returns the first line on standard error.</summary>
    private static string Fails(int expectedCode, ICommand command, params string[] args)
    {
        var errors = new StringWriter();
        var code = FailureReport.Run(command, args, errors);
        var text = errors.ToString();
        code.Should().Be(expectedCode, text);
        return text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[0];
    }

    /// <summary>`xwp explain` on the scripted 6-feature MLP with <paramref name="method"/> and extra flags; its first error line.</summary>
    private string ExplainFails(string method, params string[] flags) =>
        Fails(FailureReport.Usage, new ExplainCommand(),
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--method", method, "--out", OutPath, .. flags]);

    // ---------------------------------------------------------------- explain: --output-space

    [Fact]
    public void Output_space_with_lrp_is_refused_naming_the_option_and_the_methods_that_read_it()
    {
        ExplainFails("lrp", "--output-space", "logits").Should().Be(
            "xwp explain: --output-space applies only to --method xwp, xwpc, occlusion, kernelshap, svs, rise, ig, saliency, inputxgradient, " +
            "not to lrp (LRP always starts from the target's logit); leave it out.");
        File.Exists(OutPath).Should().BeFalse();
    }

    [Theory]
    [InlineData("random")]
    [InlineData("input-magnitude")]
    public void Output_space_with_a_method_that_does_not_run_the_model_is_refused(string method)
    {
        ExplainFails(method, "--output-space", "probabilities").Should().EndWith($"not to {method} ({method} does not read the model's outputs); leave it out.");
    }

    // ---------------------------------------------------------------- explain: one method's flags given to another

    [Theory]
    [InlineData("saliency", "--steps", "3", "ig")]
    [InlineData("saliency", "--ig-rule", "riemann-left", "ig")]
    [InlineData("ig", "--signed", null, "saliency")]
    [InlineData("inputxgradient", "--baseline", "0.5", "occlusion, kernelshap, svs, ig")]
    [InlineData("occlusion", "--samples", "9", "kernelshap, svs")]
    [InlineData("occlusion", "--superpixel", "2", "kernelshap, svs")]
    [InlineData("lrp", "--seed", "1", "kernelshap, svs, rise, random")]
    [InlineData("kernelshap", "--window", "3,3", "occlusion")]
    [InlineData("rise", "--stride", "1,1", "occlusion")]
    [InlineData("ig", "--feature-mask", "G.npy", "occlusion, kernelshap, svs")]
    [InlineData("kernelshap", "--antithetic", null, "svs")]
    [InlineData("xwp", "--xwpc-sign", "literal", "xwpc")]
    [InlineData("ig", "--algorithm", "rowswap", "xwp, xwpc")]
    [InlineData("saliency", "--lrp-rule", "zplus", "lrp")]
    [InlineData("saliency", "--epsilon", "0.1", "lrp")]
    [InlineData("occlusion", "--masks", "10", "rise")]
    [InlineData("occlusion", "--grid", "3", "rise")]
    [InlineData("occlusion", "--probability", "0.2", "rise")]
    [InlineData("occlusion", "--rise-masks", "M.npy", "rise")]
    [InlineData("saliency", "--image-shape", "2,3", "occlusion, kernelshap, svs, rise")]
    public void A_flag_of_another_method_is_refused_naming_the_flag_and_the_methods_that_read_it(string method, string flag, string? value, string readers)
    {
        string[] flags = value is null ? [flag] : [flag, value];

        ExplainFails(method, flags).Should().Be($"xwp explain: {flag} applies only to --method {readers}, not to {method}; leave it out.");
        File.Exists(OutPath).Should().BeFalse();
    }

    [Fact]
    public void Image_shape_with_shap_but_without_superpixels_is_refused()
    {
        ExplainFails("kernelshap", "--image-shape", "2,3").Should().Be(
            "xwp explain: --image-shape applies to kernelshap only with --superpixel K > 1 (the image its K×K superpixels tile); " +
            "without it every feature is a player. Add --superpixel or leave --image-shape out.");
    }

    [Fact]
    public void Image_shape_with_feature_ablation_is_refused()
    {
        ExplainFails("occlusion", "--window", "1,1", "--image-shape", "2,3").Should().Be(
            "xwp explain: --image-shape does not apply to occlusion with --window 1,1 (feature ablation removes features one by one, " +
            "or in --feature-mask groups); leave it out.");
    }

    [Theory]
    [InlineData("--masks", "10")]
    [InlineData("--grid", "3")]
    [InlineData("--seed", "4")]
    [InlineData("--image-shape", "2,3")]
    public void Random_mask_flags_with_given_rise_masks_are_refused(string flag, string value)
    {
        var masks = Path.Combine(_dir, "M.npy");
        using (var m = ones(4, 6))
        {
            NpyFile.Write(masks, m);
        }

        ExplainFails("rise", "--rise-masks", masks, flag, value).Should().Be(
            $"xwp explain: {flag} does not apply to rise with --rise-masks: it shapes the random masks, and --rise-masks gives the masks. Leave one of them out.");
    }

    [Fact]
    public void The_flags_a_method_reads_are_still_accepted()
    {
        // Every flag of saliency and of RISE with its random masks, and --output-space: the run succeeds and writes [5, 6] maps.
        new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--method", "saliency", "--signed", "--output-space", "logits", "--out", OutPath]))
            .Should().Be(0);
        var rise = Path.Combine(_dir, "R.npy");
        new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--method", "rise", "--masks", "8", "--grid", "2",
             "--probability", "0.5", "--seed", "1", "--image-shape", "2,3", "--output-space", "logits", "--out", rise]))
            .Should().Be(0);
        using var map = NpyFile.Read(rise);
        map.shape.Should().Equal(5, 6);
    }

    // ---------------------------------------------------------------- explain: --initial beside --torchscript

    [Fact]
    public void Initial_beside_torchscript_with_a_method_other_than_xwp_is_refused()
    {
        // --initial gives the first layer's weight before training; saliency runs the scripted model as saved.
        var line = Fails(FailureReport.Usage, new ExplainCommand(),
            "--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture("xwp_mlp_init.pt"), "--inputs", Fixture("xwp_mlp_inputs.npy"),
            "--method", "saliency", "--out", OutPath);

        line.Should().Be("xwp explain: --initial with --torchscript applies only to --method xwp and xwpc (the first Linear layer's weight " +
                         "before training), not to saliency; leave it out.");
        File.Exists(OutPath).Should().BeFalse();
    }

    [Fact]
    public void Initial_beside_torchscript_is_still_read_by_xwp()
    {
        new ExplainCommand().Run(new Arguments(
            ["--torchscript", Fixture("xwp_mlp.pt"), "--initial", Fixture("xwp_mlp_init.pt"), "--inputs", Fixture("xwp_mlp_inputs.npy"),
             "--method", "xwpc", "--out", OutPath]))
            .Should().Be(0);
        using var written = NpyFile.Read(OutPath);
        using var expected = NpyFile.Read(Fixture("xwp_mlp_xwpc.npy"));
        written.shape.Should().Equal(expected.shape);
    }

    // ---------------------------------------------------------------- evaluate

    /// <summary>`xwp evaluate` of all-ones maps on the scripted 6-feature MLP, with extra flags; its first error line.</summary>
    private string EvaluateFails(params string[] flags)
    {
        var maps = Path.Combine(_dir, "maps.npy");
        using (var m = ones(5, 6))
        {
            NpyFile.Write(maps, m);
        }

        return Fails(FailureReport.Usage, new EvaluateCommand(TextWriter.Null, TextWriter.Null),
            ["--torchscript", Fixture("mlp.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--targets", Fixture("mlp_targets.npy"), "--attributions", maps, .. flags]);
    }

    [Fact]
    public void Evaluate_refuses_output_space_without_method()
    {
        EvaluateFails("--output-space", "logits").Should().Be(
            "xwp evaluate: --output-space applies to the --method that max-sensitivity and randomisation re-run; without --method it would be ignored. Leave it out.");
    }

    [Fact]
    public void Evaluate_refuses_a_flag_that_the_method_it_re_runs_ignores()
    {
        EvaluateFails("--metrics", "max-sensitivity", "--method", "ig", "--signed").Should().Be(
            "xwp evaluate: --signed applies only to --method saliency, not to ig; leave it out.");
        EvaluateFails("--metrics", "max-sensitivity", "--method", "lrp", "--output-space", "logits").Should().StartWith(
            "xwp evaluate: --output-space applies only to --method xwp, xwpc,");
    }

    [Fact]
    public void Evaluate_refuses_initial_beside_torchscript_unless_xwp_is_re_run()
    {
        EvaluateFails("--initial", Fixture("xwp_mlp_init.pt")).Should().Be(
            "xwp evaluate: --initial with --torchscript applies only to --method xwp and xwpc (the first Linear layer's weight " +
            "before training), not to scoring maps without --method; leave it out.");
        EvaluateFails("--initial", Fixture("xwp_mlp_init.pt"), "--metrics", "max-sensitivity", "--method", "saliency").Should().Be(
            "xwp evaluate: --initial with --torchscript applies only to --method xwp and xwpc (the first Linear layer's weight " +
            "before training), not to saliency; leave it out.");
    }

    [Fact]
    public void Evaluate_re_running_xwp_on_torchscript_without_initial_says_which_option_to_add()
    {
        // The library's advice (XwpModel.FromModule) does not help on the command line; --initial does.
        var line = EvaluateFails("--metrics", "max-sensitivity", "--method", "xwp");
        line.Should().StartWith("xwp evaluate: --method xwp: The method 'xwp' needs the model's first Linear layer");
        line.Should().EndWith("On the command line: add --initial INIT.pt (the state_dict saved before training, or a TorchScript file of the untrained model).");
        new EvaluateCommand(TextWriter.Null, TextWriter.Null).Usage.Should().Contain("--torchscript MODEL.pt [--initial INIT.pt] [--first-layer NAME]");
    }

    [Fact]
    public void Evaluate_randomisation_of_a_model_without_matrices_is_a_model_error_naming_the_file_not_advice_to_add_initial()
    {
        // no_matrix.pt's parameters are a scale [3] and a LayerNorm's weight and bias [3]: nothing the test can redraw.
        // It is the model that does not fit, so exit 1 and no "add --initial" (which only XWP and XWP^c read).
        var maps = Path.Combine(_dir, "maps.npy");
        using (var m = ones(5, 6))
        {
            NpyFile.Write(maps, m);
        }

        var line = Fails(FailureReport.Failed, new EvaluateCommand(TextWriter.Null, TextWriter.Null),
            "--torchscript", Fixture("no_matrix.pt"), "--inputs", Fixture("mlp_inputs.npy"), "--targets", Fixture("mlp_targets.npy"),
            "--attributions", maps, "--metrics", "randomisation", "--method", "ig");
        line.Should().Be(
            $"xwp evaluate: The TorchScript model '{Fixture("no_matrix.pt")}' has no layer with a weight of two or more dimensions (Linear, Conv), " +
            "so the randomisation test has nothing to redraw.");
    }

    [Theory]
    [InlineData("--fraction", "0.3", "deletion-auc", "average-drop")]
    [InlineData("--features-per-step", "2", "average-drop", "deletion-auc, insertion-auc")]
    [InlineData("--max-steps", "2", "sparseness", "deletion-auc, insertion-auc")]
    [InlineData("--removal-value", "0.5", "sparseness,complexity", "deletion-auc, insertion-auc, average-drop, average-drop-gradcampp, increase-in-confidence")]
    [InlineData("--sensitivity-radius", "0.1", "deletion-auc", "max-sensitivity")]
    [InlineData("--sensitivity-samples", "3", "deletion-auc", "max-sensitivity")]
    [InlineData("--sensitivity-seed", "3", "deletion-auc", "max-sensitivity")]
    [InlineData("--sensitivity-absolute", null, "deletion-auc", "max-sensitivity")]
    [InlineData("--randomisation-seed", "3", "deletion-auc", "randomisation")]
    public void Evaluate_refuses_a_metric_option_that_no_chosen_metric_reads(string flag, string? value, string metrics, string readers)
    {
        string[] flags = value is null ? [flag] : [flag, value];

        EvaluateFails(["--metrics", metrics, .. flags]).Should().Be(
            $"xwp evaluate: {flag} applies only to --metrics {readers}, not to {metrics.Replace(",", ", ", StringComparison.Ordinal)}; add one to --metrics or leave {flag} out.");
    }
}
