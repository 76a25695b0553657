using System.Text.Json;
using FluentAssertions;
using Xunit;
using Xwp.Cli.Commands;
using Xwp.Cli.Reproduction;
using Xwp.IO;
using static TorchSharp.torch;

namespace Xwp.Tests.Cli;

/// <summary>
/// What `xwp reproduce` reuses on a rerun (issue 9, item 5): a cached file is reused only when its
/// SHA-256 and the settings that made it match the manifest; otherwise it is recomputed and the run
/// names the file and the reason. One clean run (10 images, 1 epoch, on a small TMNIST CSV written from
/// the embedded digits, so no font rendering and no dependence on the installed fonts) is made once and
/// copied into a fresh folder for each case.
/// </summary>
public sealed class ReproduceCacheTests : IClassFixture<ReproduceCacheTests.CleanRun>, IDisposable
{
    private const string Dataset = "tmnist-style";

    private readonly CleanRun _clean;
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-reproduce-cache-").FullName;

    public ReproduceCacheTests(CleanRun clean)
    {
        _clean = clean;
        Copy(clean.Folder, _dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_cache_line_says_whether_the_rendered_font_digits_were_reused()
    {
        // The file's size and time before and after loading the data: untouched means read, changed or new means rendered
        // (and written); data that is not rendered from fonts (this class's TMNIST CSV, Fashion-MNIST) adds nothing.
        const string rendered = "TMNIST-style digits rendered from installed fonts in '/usr/share/fonts': 543 distinct digit sets";
        var written = (1000L, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var rewritten = (1000L, new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc));

        ReproductionRunner.FontDigitsPart(rendered, written, written).Should().Be("reused font-digits.cache");
        ReproductionRunner.FontDigitsPart(rendered, written, rewritten).Should().Be("rendered the font digits");
        ReproductionRunner.FontDigitsPart(rendered, null, written).Should().Be("rendered the font digits");
        ReproductionRunner.FontDigitsPart("TMNIST CSV 'TMNIST_Data.csv' (given; 150 fonts)", written, written).Should().BeNull();

        var file = Path.Combine(_dir, "stamp-test.bin");
        ReproductionRunner.FileStamp(file).Should().BeNull();
        File.WriteAllBytes(file, new byte[7]);
        ReproductionRunner.FileStamp(file)!.Value.Length.Should().Be(7);
    }

    [Fact]
    public void The_clean_run_records_every_cached_file_with_its_hash_and_settings()
    {
        _clean.Log.Should().Contain($"[{Dataset}] cache: trained the model; computed all 10 maps; computed all 10 Table 1 scores; computed all 9 claim metrics");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, CacheManifest.FileName)));
        var entries = manifest.RootElement.GetProperty("Entries");
        var names = entries.EnumerateObject().Select(e => e.Name).ToList();
        string[] methods = ["occlusion", "kernelshap", "rise", "ig", "lrp", "xwp", "xwpc", "svs", "random", "input-magnitude"];
        names.Should().BeEquivalentTo(
            [
                "tmnist-style/model.xwp",
                .. methods.Select(k => $"tmnist-style/maps/{k}.npy"),
                .. methods.Select(k => $"tmnist-style/scores/{k}.table.json"),
                .. methods.Where(k => k != "svs").Select(k => $"tmnist-style/scores/{k}.claims.json"),
            ]);
        var xwp = entries.GetProperty("tmnist-style/maps/xwp.npy");
        xwp.GetProperty("Sha256").GetString().Should().Be(CacheManifest.HashFile(MapPath("xwp")));
        var madeBy = xwp.GetProperty("MadeBy");
        madeBy.GetProperty("method").GetString().Should().Be("xwp");
        madeBy.GetProperty("options").GetString().Should().StartWith("XwpOptions { OutputSpace = Probabilities, Algorithm = Rank1");
        madeBy.GetProperty("selection").GetString().Should().Be("--limit 10: 10 test images");
        madeBy.GetProperty("model_sha256").GetString().Should().Be(CacheManifest.HashFile(Path.Combine(_dir, Dataset, "model.xwp")));
        madeBy.GetProperty("library").GetString().Should().Be(CacheManifest.LibraryVersion);
        madeBy.GetProperty("seed").GetString().Should().Be("0");
        madeBy.GetProperty("test_images_sha256").GetString().Should().HaveLength(64);

        var claims = entries.GetProperty("tmnist-style/scores/xwp.claims.json");
        claims.GetProperty("Sha256").GetString().Should().Be(CacheManifest.HashFile(ScorePath("xwp", "claims")));
        var claimsMadeBy = claims.GetProperty("MadeBy");
        claimsMadeBy.GetProperty("map_sha256").GetString().Should().Be(CacheManifest.HashFile(MapPath("xwp")));
        claimsMadeBy.GetProperty("claim_images").GetString().Should().Be("10", "--limit 10 leaves 10 of the default 50 claim images");
        claimsMadeBy.GetProperty("max_sensitivity_options").GetString().Should().Contain("Samples = 3");
        entries.GetProperty("tmnist-style/scores/xwp.table.json").GetProperty("MadeBy").GetProperty("protocol").GetString()
            .Should().StartWith("default: removal 0 · AD@20%");
    }

    [Fact]
    public void A_clean_rerun_reuses_the_model_and_every_map_and_says_so()
    {
        var log = Rerun();

        log.Should().Contain($"[{Dataset}] cache: reused model.xwp; reused all 10 maps; reused all 10 Table 1 scores; reused all 9 claim metrics; figures are always redrawn");
        log.Should().Contain("model reused, 10 of 10 maps reused");
        log.Should().NotContain("explain with").And.NotContain("train 784").And.NotContain("warning:")
            .And.NotContain("] evaluate ").And.NotContain("Max-Sensitivity (");
        Table().Should().Be(_clean.Table);
        Markdown().Should().Be(_clean.Markdown, "the claims table is built from the reused per-image values");
    }

    [Fact]
    public void A_changed_claim_file_is_recomputed_naming_it_and_the_tables_are_unchanged()
    {
        var path = ScorePath("xwp", "claims");
        var text = File.ReadAllText(path);
        var json = JsonDocument.Parse(text);
        var first = json.RootElement.GetProperty("Values").GetProperty("max_sensitivity")[0].GetRawText();
        File.WriteAllText(path, text.Replace("[" + first + ",", "[0.5,", StringComparison.Ordinal));
        File.ReadAllText(path).Should().NotBe(text, "the test must change the file");

        var log = Rerun();

        log.Should().Contain("warning: tmnist-style/scores/xwp.claims.json: content changed since it was written — recomputing");
        log.Should().Contain("reused 8 claim metrics (occlusion, kernelshap, rise, ig, lrp, xwpc, random, input-magnitude), computed 1 (xwp)");
        log.Should().Contain("reused all 10 Table 1 scores").And.NotContain("] evaluate ");
        Markdown().Should().Be(_clean.Markdown);
        File.ReadAllText(path).Should().Be(File.ReadAllText(Path.Combine(_clean.Folder, Dataset, "scores", "xwp.claims.json")));
    }

    [Fact]
    public void Changing_a_claim_setting_recomputes_the_claim_metrics_only_and_names_the_setting()
    {
        using var log = new StringWriter();
        ReproduceCommand.Run(CleanRun.Settings(_dir) with { SensitivitySamples = 2 }, new PlainProgressSink(log), CancellationToken.None).Should().Be(0);
        var text = log.ToString();

        text.Should().Contain("warning: tmnist-style/scores/ig.claims.json: made with other settings (")
            .And.Contain("max_sensitivity_options: MaxSensitivityOptions { Radius = 0.02, Samples = 3,").And.Contain("→ MaxSensitivityOptions { Radius = 0.02, Samples = 2,");
        text.Should().Contain("reused all 10 maps; reused all 10 Table 1 scores; computed all 9 claim metrics");
        Table().Should().Be(_clean.Table, "Table 1 does not depend on Max-Sensitivity");
    }

    [Fact]
    public void A_damaged_table_score_file_is_recomputed_and_the_table_is_unchanged()
    {
        File.WriteAllText(ScorePath("lrp", "table"), "{ \"Format\": 1 }");

        var log = Rerun();

        log.Should().Contain("warning: tmnist-style/scores/lrp.table.json: content changed since it was written — recomputing");
        log.Should().Contain("[tmnist-style] evaluate 1 methods on 10 images");
        log.Should().Contain("reused 9 Table 1 scores (occlusion, kernelshap, rise, ig, xwp, xwpc, svs, random, input-magnitude), computed 1 (lrp)");
        Table().Should().Be(_clean.Table);
        Markdown().Should().Be(_clean.Markdown);
    }

    [Fact]
    public void A_map_overwritten_with_other_finite_values_is_recomputed_and_the_table_is_unchanged()
    {
        using (var other = rand(10, 784, generator: new Generator(seed: 7)))
        {
            NpyFile.Write(MapPath("xwp"), other);
        }

        var log = Rerun();

        log.Should().Contain("warning: tmnist-style/maps/xwp.npy: content changed since it was written — recomputing");
        ExplainedMethods(log).Should().Equal("XWP");
        log.Should().Contain("reused 9 maps (occlusion, kernelshap, rise, ig, lrp, xwpc, svs, random, input-magnitude), computed 1 (xwp)");
        Table().Should().Be(_clean.Table, "the recomputed map is the one a clean run makes");
        CacheManifest.HashFile(MapPath("xwp")).Should().Be(CacheManifest.HashFile(Path.Combine(_clean.Folder, Dataset, "maps", "xwp.npy")));
    }

    [Fact]
    public void A_nan_corrupted_map_is_recomputed_naming_the_file()
    {
        using (var map = NpyFile.ReadFloat32Matrix(MapPath("lrp")))
        {
            using var cell = map[3, 100];
            cell.fill_(float.NaN);
            NpyFile.Write(MapPath("lrp"), map);
        }

        var log = Rerun();

        log.Should().Contain("warning: tmnist-style/maps/lrp.npy: content changed since it was written — recomputing");
        ExplainedMethods(log).Should().Equal("LRP (ε)");
        Table().Should().Be(_clean.Table);
    }

    [Fact]
    public void Changing_one_methods_option_recomputes_only_that_method()
    {
        var log = Rerun(seed => [.. ReproductionMethod.All(seed).Select(m => m.Key == "rise" ? Rise(seed) : m)]);

        log.Should().Contain("tmnist-style/maps/rise.npy: made with other settings (options: RiseOptions { MaskCount = 4000,")
            .And.Contain("→ RiseOptions { MaskCount = 500,").And.Contain("— recomputing");
        ExplainedMethods(log).Should().Equal("RISE");
        log.Should().Contain("computed 1 (rise)");
        var before = Rows(_clean.Table);
        var after = Rows(Table());
        after.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (key, row) in after)
        {
            if (key.StartsWith("rise,", StringComparison.Ordinal))
            {
                row.Should().NotBe(before[key], "500 masks give another RISE map");
            }
            else
            {
                row.Should().Be(before[key], $"{key} was reused");
            }
        }

        static ReproductionMethod Rise(long seed)
        {
            var options = new RiseOptions { Seed = seed, MaskCount = 500 };
            return new ReproductionMethod("rise", "RISE", "RISE", "500 masks", Attributions.Rise(options), options);
        }
    }

    [Fact]
    public void A_changed_model_file_is_trained_again_naming_the_file()
    {
        var model = Path.Combine(_dir, Dataset, "model.xwp");
        var bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(model, bytes);

        var log = Rerun();

        log.Should().Contain("warning: tmnist-style/model.xwp: content changed since it was written — training again");
        log.Should().Contain($"[{Dataset}] cache: trained the model;");
        File.ReadAllBytes(model).Should().NotEqual(bytes);
    }

    [Fact]
    public void A_map_without_a_manifest_entry_is_recomputed_naming_it()
    {
        var manifest = Path.Combine(_dir, CacheManifest.FileName);
        var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        document["Entries"]!.AsObject().Remove("tmnist-style/maps/xwp.npy").Should().BeTrue();
        File.WriteAllText(manifest, document.ToJsonString());

        var log = Rerun();

        log.Should().Contain("warning: tmnist-style/maps/xwp.npy: not recorded in cache-manifest.json (written by an older version, or the run stopped before recording it) — recomputing");
        log.Should().Contain($"[{Dataset}] cache: reused model.xwp; reused 9 maps");
        Table().Should().Be(_clean.Table);
    }

    [Fact]
    public void An_unreadable_manifest_is_one_warning_line_and_everything_is_recomputed()
    {
        // The JSON error quotes the bad text with its line break; each file then warned "not recorded … (written by an older
        // version, or the run stopped before recording it)", 30 misleading lines per dataset after the one that said why.
        File.WriteAllText(Path.Combine(_dir, CacheManifest.FileName), "not json\n{");

        var log = Rerun();

        var warnings = log.Split('\n').Where(l => l.StartsWith("warning: ", StringComparison.Ordinal)).ToList();
        warnings.Should().ContainSingle().Which.Should().StartWith($"warning: {CacheManifest.FileName}: cannot be read ('not json ")
            .And.EndWith(" — every cached file will be recomputed");
        log.Should().Contain($"[{Dataset}] cache: trained the model; computed all 10 maps; computed all 10 Table 1 scores; computed all 9 claim metrics");

        // Everything, the model included, was made again in this process. Retraining here after the class's clean run is
        // not always bit-identical (in about one run in five the model differs in the last bits and the table's means in
        // the 8th digit; separate processes give identical files), so the rows are compared to 1e-6.
        SameRows(Table(), _clean.Table, 1e-6);
    }

    /// <summary>The same CSV rows: equal text fields, numbers within <paramref name="tolerance"/>.</summary>
    private static void SameRows(string actual, string expected, double tolerance)
    {
        var a = actual.Split('\n');
        var e = expected.Split('\n');
        a.Should().HaveSameCount(e);
        for (var r = 0; r < a.Length; r++)
        {
            var af = a[r].Split(',');
            var ef = e[r].Split(',');
            af.Should().HaveSameCount(ef, $"row {r}");
            for (var c = 0; c < af.Length; c++)
            {
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                if (double.TryParse(af[c], System.Globalization.NumberStyles.Float, inv, out var x) && double.TryParse(ef[c], System.Globalization.NumberStyles.Float, inv, out var y))
                {
                    x.Should().BeApproximately(y, tolerance, $"row {r}, field {c}");
                }
                else
                {
                    af[c].Should().Be(ef[c], $"row {r}, field {c}");
                }
            }
        }
    }

    private static string[] ExplainedMethods(string log) =>
        [.. log.Split('\n').Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith($"[{Dataset}] explain with ", StringComparison.Ordinal) && l.EndsWith(" ...", StringComparison.Ordinal))
            .Select(l => l[$"[{Dataset}] explain with ".Length..^" ...".Length])];

    /// <summary>table.csv's rows by "method,metric" (the quoted label between them may hold commas).</summary>
    private static Dictionary<string, string> Rows(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .ToDictionary(l => l.Split(',')[1] + (l.Contains(",average_drop,", StringComparison.Ordinal) ? ",average_drop" : ",deletion_auc"));

    private string MapPath(string key) => Path.Combine(_dir, Dataset, "maps", key + ".npy");

    private string ScorePath(string key, string kind) => Path.Combine(_dir, Dataset, "scores", $"{key}.{kind}.json");

    private string Table() => File.ReadAllText(Path.Combine(_dir, "table.csv"));

    private string Markdown() => WithoutTimes(File.ReadAllText(Path.Combine(_dir, "table.md")));

    /// <summary>table.md without what differs between a first run and a rerun: the wall time and the note that the model was reused.</summary>
    private static string WithoutTimes(string markdown) =>
        string.Join('\n', markdown.Split('\n').Where(l => !l.StartsWith("Wall time:", StringComparison.Ordinal)))
            .Replace(" (saved model reused)", "", StringComparison.Ordinal);

    private string Rerun(Func<long, IReadOnlyList<ReproductionMethod>>? methods = null)
    {
        using var log = new StringWriter();
        var settings = CleanRun.Settings(_dir);
        ReproduceCommand.Run(methods is null ? settings : settings with { Methods = methods }, new PlainProgressSink(log), CancellationToken.None)
            .Should().Be(0);
        return log.ToString();
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>One clean run, shared by the cases (each works on its own copy).</summary>
    public sealed class CleanRun : IDisposable
    {
        private static readonly string Csv = Path.Combine(Path.GetTempPath(), $"xwp-reproduce-cache-{Environment.ProcessId}.csv");

        public CleanRun()
        {
            WriteCsv(Csv, fonts: 150);
            Folder = Directory.CreateTempSubdirectory("xwp-reproduce-clean-").FullName;
            using var log = new StringWriter();
            ReproduceCommand.Run(Settings(Folder), new PlainProgressSink(log), CancellationToken.None).Should().Be(0);
            Log = log.ToString();
            Table = File.ReadAllText(Path.Combine(Folder, "table.csv"));
            Markdown = WithoutTimes(File.ReadAllText(Path.Combine(Folder, "table.md")));
        }

        public string Folder { get; }

        public string Log { get; }

        public string Table { get; }

        public string Markdown { get; }

        internal static ReproduceSettings Settings(string folder) =>
            new() { Datasets = [Dataset], Limit = 10, Epochs = 1, OutputFolder = folder, TmnistCsvPath = Csv };

        public void Dispose()
        {
            Directory.Delete(Folder, recursive: true);
            File.Delete(Csv);
        }

        /// <summary>The first <paramref name="fonts"/> fonts of the embedded digits as a TMNIST CSV (pixels 0–255).</summary>
        private static void WriteCsv(string path, int fonts)
        {
            using var digits = Datasets.EmbeddedTmnistStyle(DatasetSplit.All);
            var names = digits.Fonts!;
            var kept = names.Distinct(StringComparer.Ordinal).Take(fonts).ToHashSet(StringComparer.Ordinal);
            var pixels = digits.Images.data<float>().ToArray();
            var labels = digits.Labels.data<long>().ToArray();
            var text = new System.Text.StringBuilder("names,labels");
            for (var p = 1; p <= 784; p++)
            {
                text.Append(',').Append(p);
            }

            text.Append('\n');
            for (var i = 0; i < names.Count; i++)
            {
                if (!kept.Contains(names[i]))
                {
                    continue;
                }

                text.Append(names[i]).Append(',').Append(labels[i]);
                for (var p = 0; p < 784; p++)
                {
                    text.Append(',').Append((int)Math.Round(pixels[(i * 784) + p] * 255f));
                }

                text.Append('\n');
            }

            File.WriteAllText(path, text.ToString());
        }
    }
}
