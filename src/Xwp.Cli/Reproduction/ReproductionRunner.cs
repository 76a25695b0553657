using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Xwp.Data;
using static TorchSharp.torch;

namespace Xwp.Cli.Reproduction;

/// <summary>
/// The paper's experiment end to end, per dataset: load the data, train 784-400-100-10 (or reuse the
/// saved model), explain the selected test images with every method (or reuse saved maps), score
/// Average Drop and Deletion AUC, and draw the figures. Everything it writes is written atomically.
/// Models, maps and each method's scores (Table 1's metrics and the claim metrics) are reused on a rerun only
/// when <see cref="CacheManifest"/> shows that their content and the settings that made them are unchanged, so
/// an interrupted run resumes and a damaged or outdated file is computed again (and the run says which and why).
/// Report assembly and figures are always redone.
/// </summary>
internal sealed class ReproductionRunner(ReproduceSettings settings, IProgressSink progress, CancellationToken cancellationToken)
{
    private readonly CacheManifest _cache = CacheManifest.Load(settings.OutputFolder, progress.Warn);

    public DatasetResult Run(string datasetKey)
    {
        var folder = Path.Combine(settings.OutputFolder, datasetKey);
        Directory.CreateDirectory(Path.Combine(folder, "maps"));
        var times = new Dictionary<string, TimeSpan>();
        var watch = Stopwatch.StartNew();

        var fontCache = Path.Combine(folder, FontDigitsCache);
        var fontCacheBefore = FileStamp(fontCache);
        using var train = Load(datasetKey, DatasetSplit.Train);
        using var test = Load(datasetKey, DatasetSplit.Test);
        var fontDigits = FontDigitsPart(test.Source, fontCacheBefore, FileStamp(fontCache));
        progress.Line($"[{datasetKey}] {test.Name}: {train.Count} training and {test.Count} test images from {test.Source}");
        foreach (var note in test.Notes)
        {
            progress.Line($"[{datasetKey}]   {note}");
        }

        times["data"] = Lap(watch);

        var (model, reused) = LoadOrTrain(datasetKey, train);
        using var _ = model;
        var trainCount = train.Count;
        float[] datasetMean;
        using (var mean = train.Images.mean([0]).to(float32).cpu())
        {
            datasetMean = mean.data<float>().ToArray();
        }

        if (settings.Seeds <= 1)
        {
            // Only the seed study trains again; the rest needs the training set's mean image at most
            // (Fashion-MNIST's training images are 188 MB of the run's memory).
            train.Dispose();
        }

        var accuracy = model.Accuracy(test.Images, test.Labels);
        progress.Line($"[{datasetKey}] test accuracy {accuracy:P2}{(reused ? " (saved model reused)" : "")}");
        times["training"] = Lap(watch);

        var labels = test.Labels.data<long>().ToArray();
        var selection = TestSelection.Choose(labels, test.ClassNames.Count, settings.Limit);
        using var index = tensor(selection);
        using var x = test.Images.index_select(0, index);
        using var targets = model.Predict(x);
        var data = new Dictionary<string, string>
        {
            ["library"] = CacheManifest.LibraryVersion,
            ["model_sha256"] = CacheManifest.HashFile(ModelPath(folder)),
            ["test_data"] = test.Source,
            ["selection"] = settings.Limit is null ? $"all {selection.Length} test images" : $"--limit {settings.Limit}: {selection.Length} test images",
            ["selection_sha256"] = Convert.ToHexString(SHA256.HashData(selection.SelectMany(BitConverter.GetBytes).ToArray())),
            ["test_images_sha256"] = CacheManifest.HashTensors(x),
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = settings.Epochs.ToString(CultureInfo.InvariantCulture),
            ["device"] = settings.Device,
        };

        var methods = settings.Methods(settings.Seed);
        var maps = new Dictionary<string, Tensor>();
        var mapsReused = new HashSet<string>();
        try
        {
            foreach (var method in methods)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (map, cached) = LoadOrExplain(datasetKey, method, model, x, targets, data);
                maps[method.Key] = map;
                if (cached)
                {
                    mapsReused.Add(method.Key);
                }
            }

            times["explaining"] = Lap(watch);

            IReadOnlyList<float> DatasetMean() => datasetMean;

            var removal = Protocol.Value(settings.Protocol.Removal, DatasetMean, settings.Seed);
            var (scores, meanCurves, scoresReused) = TableScores(datasetKey, model, x, targets, methods, maps, data, removal);
            times["evaluating"] = Lap(watch);
            ProtocolStudyResult? study = null;
            if (settings.ProtocolStudy)
            {
                var paperMethods = methods.Where(m => m.PaperColumn is not null).Select(m => (m.PaperColumn!, maps[m.Key])).ToList();
                study = progress.Phase(
                    $"[{datasetKey}] protocol study: {ProtocolStudy.Runs(paperMethods.Count)} curve runs on the cached maps",
                    ProtocolStudy.Runs(paperMethods.Count),
                    report => ProtocolStudy.Run(datasetKey, test.Name, model, x, targets, paperMethods, DatasetMean, settings.Seed, report, cancellationToken));
                times["protocol study"] = Lap(watch);
                progress.Line(string.Create(CultureInfo.InvariantCulture,
                    $"[{datasetKey}] protocol study: {study.Entries.Count} protocols; closest to the paper: {study.Best.Protocol} " +
                    $"(RMSE AD {study.Best.RmseAverageDrop:0.000}, Deletion AUC {study.Best.RmseDeletionAuc:0.000})"));
            }

            var rows = methods.Select(m =>
            {
                var ad = scores[(m.Key, "average_drop")];
                var auc = scores[(m.Key, "deletion_auc")];
                return new MethodRow(m, ad.Statistics, ad.Excluded, auc.Statistics, meanCurves[m.Key], mapsReused.Contains(m.Key));
            }).ToList();

            var result = new DatasetResult
            {
                Key = datasetKey,
                Name = test.Name,
                Source = test.Source,
                Notes = test.Notes,
                TrainImages = trainCount,
                TestImages = test.Count,
                EvaluatedImages = selection.Length,
                TestAccuracy = accuracy,
                ModelReused = reused,
                Rows = rows,
                Study = study,
            };
            foreach (var (key, score) in scores)
            {
                result.Scores[key] = score;
            }

            var claimsReused = ClaimMetrics(datasetKey, result, model, x, targets, methods, maps, data);
            times["claims"] = Lap(watch);
            progress.Line(CacheSummary(datasetKey, reused, methods, mapsReused, scoresReused, claimsReused, fontDigits));
            if (settings.Seeds > 1)
            {
                result.Seeds = SeedRuns(datasetKey, train, x, result, removal);
                times["seeds"] = Lap(watch);
                progress.Line(string.Create(CultureInfo.InvariantCulture,
                    $"[{datasetKey}] seed study: {settings.Seeds} seeds in {result.Seeds.Elapsed.TotalSeconds:F1} s"));
            }

            Check(result);
            Figures.Draw(settings.OutputFolder, result, model, test, selection, x, maps);
            times["figures"] = Lap(watch);
            foreach (var (phase, time) in times)
            {
                result.PhaseTimes[phase] = time;
            }

            return result;
        }
        finally
        {
            foreach (var map in maps.Values)
            {
                map.Dispose();
            }
        }
    }

    /// <summary>
    /// Table 1's metrics (Average Drop, Deletion AUC) with sparseness and complexity for every method on all selected
    /// images, with each method's mean deletion curve. A method's scores are read from <c>scores/KEY.table.json</c> when
    /// the manifest vouches for it (same map, data, protocol and metric settings); the others are evaluated and saved.
    /// </summary>
    private (Dictionary<(string Method, string Metric), MetricResult> Scores, Dictionary<string, double[]> MeanCurves, HashSet<string> Reused) TableScores(
        string key, Fcnn model, Tensor x, Tensor targets, IReadOnlyList<ReproductionMethod> methods, Dictionary<string, Tensor> maps,
        IReadOnlyDictionary<string, string> data, RemovalValue removal)
    {
        var features = (int)x.shape[1];
        var images = (int)x.shape[0];
        EvaluationMetric[] metrics =
        [
            Metrics.AverageDrop(settings.Protocol.AverageDropOptions(removal)),
            Metrics.DeletionAuc(settings.Protocol.DeletionOptions(removal, features)),
            Metrics.Sparseness(),
            Metrics.Complexity(),
        ];
        var scores = new Dictionary<(string Method, string Metric), MetricResult>();
        var meanCurves = new Dictionary<string, double[]>();
        var reused = new HashSet<string>();
        var madeBy = methods.ToDictionary(m => m.Key, m => ScoreMadeBy(key, m, data, metrics, features, new Dictionary<string, string>
        {
            ["protocol"] = $"{settings.ProtocolName}: {settings.Protocol}",
        }));
        var missing = new List<ReproductionMethod>();
        foreach (var m in methods)
        {
            var relative = ScoreRelative(key, m.Key, "table");
            var cached = ReadScores(relative, madeBy[m.Key], metrics, features, images, m.Key);
            if (cached is { } c && c.MeanCurve is { Length: > 0 } curve)
            {
                Add(scores, m.Key, c.Results);
                meanCurves[m.Key] = curve;
                reused.Add(m.Key);
            }
            else
            {
                if (cached is not null)
                {
                    progress.Warn($"{relative}: no mean deletion curve — recomputing");
                }

                missing.Add(m);
            }
        }

        if (missing.Count == 0)
        {
            return (scores, meanCurves, reused);
        }

        var builder = model.Evaluate(x, targets).Metrics(metrics).WithCancellation(cancellationToken);
        foreach (var m in missing)
        {
            builder.WithMaps(m.Key, maps[m.Key]);
        }

        var report = progress.Phase(
            $"[{key}] evaluate {missing.Count} methods on {images} images",
            missing.Count * 2L,
            report => builder.WithProgress(new Reporter<EvaluationProgress>(p => report((p.MethodIndex * 2L) + (p.Stage == EvaluationStage.Scoring ? 1 : 0)))).Run());
        foreach (var m in missing)
        {
            var results = metrics.Select(metric => report[m.Key, metric.Name]).ToList();
            var curve = MeanCurve(report[m.Key, "deletion_auc"]);
            // Stored without the per-image curves: the report draws only their mean.
            var relative = ScoreRelative(key, m.Key, "table");
            _cache.Forget(relative);
            ScoreFile.Write(FullPath(relative), results.ToDictionary(r => r.Metric, r => r.Values.ToArray()), curve);
            _cache.Record(relative, madeBy[m.Key]);
            Add(scores, m.Key, results.Select(r => MetricResult.Create(m.Key, metrics.First(k => k.Name == r.Metric), features, [.. r.Values], null, SampleStatistics.DefaultConfidenceLevel)));
            meanCurves[m.Key] = curve;
        }

        return (scores, meanCurves, reused);
    }

    /// <summary>
    /// Max-Sensitivity and the randomisation test of every paper and sanity method on the first <see cref="ReproduceSettings.ClaimImages"/>
    /// images, read from <c>scores/KEY.claims.json</c> when the manifest vouches for it, else computed and saved. Returns the methods reused.
    /// </summary>
    private HashSet<string> ClaimMetrics(
        string key, DatasetResult result, Fcnn model, Tensor x, Tensor targets, IReadOnlyList<ReproductionMethod> methods,
        Dictionary<string, Tensor> maps, IReadOnlyDictionary<string, string> data)
    {
        var count = (int)Math.Min(x.shape[0], settings.ClaimImages);
        var features = (int)x.shape[1];
        result.ClaimImages = count;
        // The paper's methods and the sanity rows; the extra Shapley-value-sampling row tests no claim and is the dearest.
        methods = methods.Where(m => m.PaperColumn is not null || m.IsSanityRow).ToList();
        var sensitivityOptions = new MaxSensitivityOptions { Samples = settings.SensitivitySamples, Seed = settings.Seed };
        var randomisationOptions = new ParameterRandomisationOptions { Seed = settings.Seed };
        var reused = new HashSet<string>();
        var missing = new List<(ReproductionMethod Method, EvaluationMetric[] Metrics, Dictionary<string, string> MadeBy)>();
        foreach (var m in methods)
        {
            EvaluationMetric[] metrics = [Metrics.MaxSensitivity(m.Method, sensitivityOptions), Metrics.ParameterRandomisation(m.Method, randomisationOptions)];
            // The options say all the metrics' settings; their long descriptions would only hide what changed.
            var madeBy = ScoreMadeBy(key, m, data, [], features, new Dictionary<string, string>
            {
                ["claim_images"] = count.ToString(CultureInfo.InvariantCulture),
                ["max_sensitivity_options"] = CacheManifest.Describe(sensitivityOptions),
                ["randomisation_options"] = CacheManifest.Describe(randomisationOptions),
            });
            var cached = ReadScores(ScoreRelative(key, m.Key, "claims"), madeBy, metrics, features, count, m.Key);
            if (cached is { } c)
            {
                foreach (var r in c.Results)
                {
                    result.Scores[(m.Key, r.Metric)] = r;
                }

                reused.Add(m.Key);
            }
            else
            {
                missing.Add((m, metrics, madeBy));
            }
        }

        if (missing.Count == 0)
        {
            return reused;
        }

        using var xs = x.narrow(0, 0, count);
        using var ts = targets.narrow(0, 0, count);
        progress.Phase(
            $"[{key}] Max-Sensitivity ({settings.SensitivitySamples} perturbations) and randomisation on {count} images",
            missing.Count * 2L,
            report =>
            {
                var done = 0L;
                foreach (var (m, metrics, madeBy) in missing)
                {
                    using var ms = maps[m.Key].narrow(0, 0, count);
                    var values = new Dictionary<string, double[]>();
                    foreach (var metric in metrics)
                    {
                        var score = Named(m.Key, metric, metric.Score(model, xs, ts, ms, cancellationToken: cancellationToken));
                        result.Scores[(m.Key, score.Metric)] = score;
                        values[score.Metric] = [.. score.Values];
                        report(++done);
                    }

                    var relative = ScoreRelative(key, m.Key, "claims");
                    _cache.Forget(relative);
                    ScoreFile.Write(FullPath(relative), values, null);
                    _cache.Record(relative, madeBy);
                }

                return 0;
            });
        return reused;
    }

    /// <summary>What a method's cached scores depend on: its map (by content), the data and model behind it, and the metrics' settings.</summary>
    private Dictionary<string, string> ScoreMadeBy(
        string key, ReproductionMethod method, IReadOnlyDictionary<string, string> data, IReadOnlyList<EvaluationMetric> metrics, int features,
        IReadOnlyDictionary<string, string> extra)
    {
        var madeBy = new Dictionary<string, string>(data)
        {
            ["method"] = method.Key,
            ["options"] = CacheManifest.Describe(method.Options),
            ["map_sha256"] = _cache.RecordedSha256($"{key}/maps/{method.Key}.npy") ?? CacheManifest.HashFile(FullPath($"{key}/maps/{method.Key}.npy")),
        };
        if (metrics.Count > 0)
        {
            madeBy["metrics"] = string.Join("; ", metrics.Select(m =>
                $"{m.Name} {{ {string.Join(", ", m.Settings(features).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} = {p.Value}"))} }}"));
        }

        foreach (var (k, v) in extra)
        {
            madeBy[k] = v;
        }

        return madeBy;
    }

    /// <summary>A method's cached scores as results, or null (said why when there is a reason) when they must be computed.</summary>
    private (List<MetricResult> Results, double[]? MeanCurve)? ReadScores(
        string relative, IReadOnlyDictionary<string, string> madeBy, IReadOnlyList<EvaluationMetric> metrics, int features, int images, string method)
    {
        if (!Reusable(relative, madeBy, "recomputing"))
        {
            return null;
        }

        try
        {
            var (values, curve) = ScoreFile.Read(FullPath(relative), [.. metrics.Select(m => m.Name)], images);
            var results = metrics.Select(m => MetricResult.Create(method, m, features, values[m.Name], null, SampleStatistics.DefaultConfidenceLevel)).ToList();
            return (results, curve);
        }
        catch (InvalidDataException e)
        {
            progress.Warn($"{relative}: cannot be read ({e.Message}) — recomputing");
            return null;
        }
    }

    private static void Add(Dictionary<(string Method, string Metric), MetricResult> scores, string method, IEnumerable<MetricResult> results)
    {
        foreach (var r in results)
        {
            scores[(method, r.Metric)] = r;
        }
    }

    private static string ScoreRelative(string key, string method, string kind) => $"{key}/scores/{method}.{kind}.json";

    private string FullPath(string relative) => Path.Combine(settings.OutputFolder, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The result under the method's key (Score names every result "maps"; paired comparisons name the better method).</summary>
    private static MetricResult Named(string key, EvaluationMetric metric, MetricResult result) =>
        MetricResult.Create(key, metric, 784, [.. result.Values], result.Curves?.Select(c => c.ToArray()).ToArray(), SampleStatistics.DefaultConfidenceLevel);

    /// <summary>
    /// Table 1 for networks trained with seeds Seed … Seed + K − 1 on the same data and test images (the first is this run's);
    /// each is explained for its own predicted classes with the methods made from its seed. Nothing is cached.
    /// </summary>
    private SeedStudy SeedRuns(string key, ImageDataset train, Tensor x, DatasetResult first, RemovalValue removal)
    {
        var watch = Stopwatch.StartNew();
        var seeds = Enumerable.Range(0, settings.Seeds).Select(i => settings.Seed + i).ToArray();
        var paper = first.Rows.Where(r => r.Method.PaperColumn is not null).Select(r => r.Method).ToList();
        var ad = paper.ToDictionary(m => m.Key, _ => new double[seeds.Length]);
        var del = paper.ToDictionary(m => m.Key, _ => new double[seeds.Length]);
        var accuracies = new double[seeds.Length];
        accuracies[0] = first.TestAccuracy;
        foreach (var m in paper)
        {
            ad[m.Key][0] = first.Scores[(m.Key, "average_drop")].Mean;
            del[m.Key][0] = first.Scores[(m.Key, "deletion_auc")].Mean;
        }

        using var test = Load(key, DatasetSplit.Test);
        for (var s = 1; s < seeds.Length; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var seed = seeds[s];
            using var model = MoveToDevice(Fcnn.Create(new FcnnOptions { LayerSizes = [784, 400, 100, 10], Seed = seed }));
            var options = new TrainingOptions { Epochs = settings.Epochs, Seed = seed };
            var batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
            progress.Phase(
                $"[{key}] seed {seed}: train 784-400-100-10, {settings.Epochs} epochs",
                (long)batches * settings.Epochs,
                report => model.Train(train.Images, train.Labels, options, new Reporter<TrainingProgress>(p => report(((long)(p.Epoch - 1) * p.Batches) + p.Batch)), cancellationToken));
            accuracies[s] = model.Accuracy(test.Images, test.Labels);
            using var targets = model.Predict(x);
            var methods = settings.Methods(seed).Where(m => m.PaperColumn is not null).ToList();
            var builder = model.Evaluate(x, targets)
                .With(methods.Select(m => m.Method).ToArray())
                .Metrics(
                    Metrics.AverageDrop(settings.Protocol.AverageDropOptions(removal)),
                    Metrics.DeletionAuc(settings.Protocol.DeletionOptions(removal, (int)x.shape[1])))
                .WithOptions(new EvaluationOptions { KeepCurves = false })
                .WithCancellation(cancellationToken);
            var report = progress.Phase(
                $"[{key}] seed {seed}: explain and evaluate {methods.Count} methods on {x.shape[0]} images",
                methods.Count * 2L,
                report => builder.WithProgress(new Reporter<EvaluationProgress>(p => report((p.MethodIndex * 2L) + (p.Stage == EvaluationStage.Scoring ? 1 : 0)))).Run());
            foreach (var m in methods)
            {
                ad[m.Key][s] = report[m.Method.Name, "average_drop"].Mean;
                del[m.Key][s] = report[m.Method.Name, "deletion_auc"].Mean;
            }

            progress.Line(string.Create(CultureInfo.InvariantCulture, $"[{key}] seed {seed}: test accuracy {accuracies[s]:P2}"));
        }

        return new SeedStudy(seeds, accuracies, paper.Select(m => new SeedMethodValues(m.Key, m.ShortLabel, ad[m.Key], del[m.Key])).ToList(), watch.Elapsed);
    }

    private ImageDataset Load(string key, DatasetSplit split) => key switch
    {
        "fashion-mnist" => Datasets.FashionMnist(split, settings.FashionMnistPath),
        "tmnist-style" => Datasets.TypefaceDigits(split, settings.TmnistCsvPath, new DigitDatasetOptions
        {
            Seed = (int)settings.Seed,
            // Rendering the installed fonts took most of a rerun that reuses everything else.
            RenderCacheFile = Path.Combine(settings.OutputFolder, key, FontDigitsCache),
        }),
        _ => throw new InvalidOperationException($"Unknown dataset '{key}'."),
    };

    private (Fcnn Model, bool Reused) LoadOrTrain(string key, ImageDataset train)
    {
        int[] layers = [784, 400, 100, 10];
        var relative = $"{key}/model.xwp";
        var path = ModelPath(Path.Combine(settings.OutputFolder, key));
        var madeBy = new Dictionary<string, string>
        {
            ["library"] = CacheManifest.LibraryVersion,
            ["train_data"] = train.Source,
            ["train_images"] = train.Count.ToString(CultureInfo.InvariantCulture),
            ["train_data_sha256"] = CacheManifest.HashTensors(train.Images, train.Labels),
            ["layers"] = string.Join("-", layers),
            ["epochs"] = settings.Epochs.ToString(CultureInfo.InvariantCulture),
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["device"] = settings.Device,
        };
        if (Reusable(relative, madeBy, "training again"))
        {
            try
            {
                var loaded = Fcnn.Load(path);
                if (loaded.IsTrained && loaded.LayerSizes.SequenceEqual(layers))
                {
                    return (MoveToDevice(loaded), true);
                }

                loaded.Dispose();
                progress.Warn($"{relative}: not a trained {madeBy["layers"]} network — training again");
            }
            catch (InvalidDataException e)
            {
                progress.Warn($"{relative}: cannot be read ({e.Message}) — training again");
            }
        }

        _cache.Forget(relative);
        var model = Fcnn.Create(new FcnnOptions { LayerSizes = layers, Seed = settings.Seed });
        MoveToDevice(model);
        var options = new TrainingOptions { Epochs = settings.Epochs, Seed = settings.Seed };
        var batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        progress.Phase(
            $"[{key}] train 784-400-100-10, {settings.Epochs} epochs",
            (long)batches * settings.Epochs,
            report => model.Train(train.Images, train.Labels, options, new Reporter<TrainingProgress>(p => report(((long)(p.Epoch - 1) * p.Batches) + p.Batch)), cancellationToken));
        model.Save(path);
        _cache.Record(relative, madeBy);
        return (model, false);
    }

    private (Tensor Map, bool Reused) LoadOrExplain(
        string key, ReproductionMethod method, Fcnn model, Tensor x, Tensor targets, IReadOnlyDictionary<string, string> data)
    {
        var relative = $"{key}/maps/{method.Key}.npy";
        var mapPath = Path.Combine(settings.OutputFolder, key, "maps", method.Key + ".npy");
        var madeBy = new Dictionary<string, string>(data)
        {
            ["method"] = method.Key,
            ["options"] = CacheManifest.Describe(method.Options),
        };
        if (Reusable(relative, madeBy, "recomputing"))
        {
            try
            {
                var cached = NpyFile.ReadFloat32Matrix(mapPath);
                if (cached.shape.SequenceEqual(x.shape))
                {
                    return (cached, true);
                }

                progress.Warn($"{relative}: shape [{string.Join(", ", cached.shape)}], expected [{string.Join(", ", x.shape)}] — recomputing");
                cached.Dispose();
            }
            catch (InvalidDataException e)
            {
                progress.Warn($"{relative}: cannot be read ({e.Message}) — recomputing");
            }
        }

        _cache.Forget(relative);

        var map = progress.Phase(
            $"[{key}] explain with {method.Display}",
            x.shape[0],
            report => model.Explain(x).For(targets).Using(method.Method)
                .WithProgress(new Reporter<AttributionProgress>(p => report(p.Done)))
                .WithCancellation(cancellationToken)
                .Compute());
        NpyFile.Write(mapPath, map);
        _cache.Record(relative, madeBy);
        return (map, false);
    }

    /// <summary>Whether the manifest vouches for the cached file; when it does not and there is a reason, says it and what happens instead.</summary>
    private bool Reusable(string relative, IReadOnlyDictionary<string, string> madeBy, string instead)
    {
        var (reusable, reason) = _cache.Check(relative, madeBy);
        if (reason is not null)
        {
            progress.Warn($"{relative}: {reason} — {instead}");
        }

        return reusable;
    }

    /// <summary>The file in a rendered dataset's folder that keeps the digits rendered from the installed fonts.</summary>
    private const string FontDigitsCache = "font-digits.cache";

    /// <summary>The size and modification time of a file, or null when there is none.</summary>
    internal static (long Length, DateTime Written)? FileStamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : null;
    }

    /// <summary>
    /// For the cache line, from the test split's <c>Source</c> and the cache file's size and time before and after loading:
    /// "reused font-digits.cache" when the digits came from installed fonts and the cache file was left as it was (read, not
    /// rewritten), "rendered the font digits" when it was written anew; null for data that is not rendered (Fashion-MNIST, a
    /// TMNIST CSV, the embedded digits). Why a cache that existed was not reused is one of the dataset's notes.
    /// </summary>
    internal static string? FontDigitsPart(string source, (long Length, DateTime Written)? before, (long Length, DateTime Written)? after)
    {
        if (!source.StartsWith("TMNIST-style digits rendered from installed fonts", StringComparison.Ordinal))
        {
            return null;
        }

        return before is not null && before == after ? $"reused {FontDigitsCache}" : "rendered the font digits";
    }

    /// <summary>One line saying what this dataset's run reused from the report folder and what it computed.</summary>
    private static string CacheSummary(
        string key, bool modelReused, IReadOnlyList<ReproductionMethod> methods, IReadOnlySet<string> mapsReused, IReadOnlySet<string> scoresReused,
        IReadOnlySet<string> claimsReused, string? fontDigits)
    {
        var model = modelReused ? "reused model.xwp" : "trained the model";
        return $"[{key}] cache: {(fontDigits is null ? "" : fontDigits + "; ")}{model}; {Part("maps", methods.Select(m => m.Key), mapsReused)}; " +
               $"{Part("Table 1 scores", methods.Select(m => m.Key), scoresReused)}; " +
               $"{Part("claim metrics", methods.Where(m => m.PaperColumn is not null || m.IsSanityRow).Select(m => m.Key), claimsReused)}; figures are always redrawn";

        static string Part(string what, IEnumerable<string> keys, IReadOnlySet<string> reusedKeys)
        {
            var all = keys.ToList();
            var reused = all.Where(reusedKeys.Contains).ToList();
            var computed = all.Where(k => !reusedKeys.Contains(k)).ToList();
            return (reused.Count, computed.Count) switch
            {
                (_, 0) => $"reused all {reused.Count} {what}",
                (0, _) => $"computed all {computed.Count} {what}",
                _ => $"reused {reused.Count} {what} ({string.Join(", ", reused)}), computed {computed.Count} ({string.Join(", ", computed)})",
            };
        }
    }

    private void Check(DatasetResult result)
    {
        if (result.TestAccuracy < 0.8)
        {
            result.Warnings.Add($"test accuracy {result.TestAccuracy:P1} is below 80%: the network is not trained well enough for its explanations to mean much");
        }

        foreach (var row in result.Rows.Where(r => !r.Method.IsSanityRow))
        {
            var comparison = PairedComparison.Of(result.Scores[(row.Method.Key, "deletion_auc")], result.Scores[("random", "deletion_auc")]);
            if (row.DeletionAuc.Mean >= result.Rows.First(r => r.Method.Key == "random").DeletionAuc.Mean || !comparison.IsSignificant)
            {
                result.Warnings.Add($"{row.Method.Display} does not beat the random map on Deletion AUC ({comparison})");
            }
        }

        foreach (var warning in result.Warnings)
        {
            progress.Warn($"[{result.Key}] {warning}");
        }
    }

    private Fcnn MoveToDevice(Fcnn model) =>
        settings.Device == "cuda" ? model.MoveTo(CUDA) : model;

    private static double[] MeanCurve(MetricResult result)
    {
        var curves = result.Curves ?? throw new InvalidOperationException("Deletion curves were not kept.");
        var mean = new double[curves[0].Count];
        foreach (var curve in curves)
        {
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += curve[i] / curves.Count;
            }
        }

        return mean;
    }

    private static string ModelPath(string folder) => Path.Combine(folder, "model.xwp");

    private static TimeSpan Lap(Stopwatch watch)
    {
        var elapsed = watch.Elapsed;
        watch.Restart();
        return elapsed;
    }

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
