using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Xwp.Data;
using static TorchSharp.torch;

namespace Xwp.Cli.Reproduction;

/// <summary>
/// The paper's experiment end to end, per dataset: load the data, train 784-400-100-10 (or reuse the
/// saved model), explain the selected test images with every method (or reuse saved maps), score
/// Average Drop and Deletion AUC, and draw the figures. Everything it writes is written atomically
/// and reused on a rerun when its inputs are unchanged, so an interrupted run resumes.
/// </summary>
internal sealed class ReproductionRunner(ReproduceSettings settings, IProgressSink progress, CancellationToken cancellationToken)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public DatasetResult Run(string datasetKey)
    {
        var folder = Path.Combine(settings.OutputFolder, datasetKey);
        Directory.CreateDirectory(Path.Combine(folder, "maps"));
        var times = new Dictionary<string, TimeSpan>();
        var watch = Stopwatch.StartNew();

        using var train = Load(datasetKey, DatasetSplit.Train);
        using var test = Load(datasetKey, DatasetSplit.Test);
        progress.Line($"[{datasetKey}] {test.Name}: {train.Count} training and {test.Count} test images from {test.Source}");
        foreach (var note in test.Notes)
        {
            progress.Line($"[{datasetKey}]   {note}");
        }

        times["data"] = Lap(watch);

        var (model, reused) = LoadOrTrain(folder, datasetKey, train);
        using var _ = model;
        var accuracy = model.Accuracy(test.Images, test.Labels);
        progress.Line($"[{datasetKey}] test accuracy {accuracy:P2}{(reused ? " (saved model reused)" : "")}");
        times["training"] = Lap(watch);

        var labels = test.Labels.data<long>().ToArray();
        var selection = TestSelection.Choose(labels, test.ClassNames.Count, settings.Limit);
        using var index = tensor(selection);
        using var x = test.Images.index_select(0, index);
        using var targets = model.Predict(x);
        var modelHash = Hash(File.ReadAllBytes(ModelPath(folder)));
        var selectionHash = Hash(selection.SelectMany(BitConverter.GetBytes).ToArray());

        var methods = ReproductionMethod.All(settings.Seed);
        var maps = new Dictionary<string, Tensor>();
        var mapsReused = new HashSet<string>();
        try
        {
            foreach (var method in methods)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (map, cached) = LoadOrExplain(folder, datasetKey, method, model, x, targets, modelHash, selectionHash);
                maps[method.Key] = map;
                if (cached)
                {
                    mapsReused.Add(method.Key);
                }
            }

            times["explaining"] = Lap(watch);

            var builder = model.Evaluate(x, targets)
                .Metrics(
                    Metrics.AverageDrop(new AverageDropOptions { Fraction = settings.AverageDropFraction }),
                    Metrics.DeletionAuc())
                .WithCancellation(cancellationToken);
            foreach (var method in methods)
            {
                builder.WithMaps(method.Key, maps[method.Key]);
            }

            var report = progress.Phase(
                $"[{datasetKey}] evaluate {methods.Count} methods on {x.shape[0]} images",
                methods.Count * 2L,
                report => builder.WithProgress(new Reporter<EvaluationProgress>(p => report((p.MethodIndex * 2L) + (p.Stage == EvaluationStage.Scoring ? 1 : 0)))).Run());
            times["evaluating"] = Lap(watch);

            var rows = methods.Select(m =>
            {
                var ad = report[m.Key, "average_drop"];
                var auc = report[m.Key, "deletion_auc"];
                return new MethodRow(m, ad.Statistics, ad.Excluded, auc.Statistics, MeanCurve(auc), mapsReused.Contains(m.Key));
            }).ToList();

            var result = new DatasetResult
            {
                Key = datasetKey,
                Name = test.Name,
                Source = test.Source,
                Notes = test.Notes,
                TrainImages = train.Count,
                TestImages = test.Count,
                EvaluatedImages = selection.Length,
                TestAccuracy = accuracy,
                ModelReused = reused,
                Rows = rows,
            };
            Check(result, report);
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

    private ImageDataset Load(string key, DatasetSplit split) => key switch
    {
        "fashion-mnist" => Datasets.FashionMnist(split, settings.FashionMnistPath),
        "tmnist-style" => Datasets.TypefaceDigits(split, settings.TmnistCsvPath, new DigitDatasetOptions { Seed = (int)settings.Seed }),
        _ => throw new InvalidOperationException($"Unknown dataset '{key}'."),
    };

    private (Fcnn Model, bool Reused) LoadOrTrain(string folder, string key, ImageDataset train)
    {
        var path = ModelPath(folder);
        var manifestPath = Path.Combine(folder, "model.json");
        var manifest = new ModelManifest(train.Source, train.Count, settings.Epochs, settings.Seed, [784, 400, 100, 10]);
        if (File.Exists(path) && File.Exists(manifestPath) && ReadJson<ModelManifest>(manifestPath) is { } saved && saved.Matches(manifest))
        {
            try
            {
                var loaded = Fcnn.Load(path);
                if (loaded.IsTrained && loaded.LayerSizes.SequenceEqual(manifest.LayerSizes))
                {
                    return (MoveToDevice(loaded), true);
                }

                loaded.Dispose();
            }
            catch (InvalidDataException e)
            {
                progress.Warn($"[{key}] the saved model cannot be used ({e.Message}); training again");
            }
        }

        var model = Fcnn.Create(new FcnnOptions { LayerSizes = manifest.LayerSizes, Seed = settings.Seed });
        MoveToDevice(model);
        var options = new TrainingOptions { Epochs = settings.Epochs, Seed = settings.Seed };
        var batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        progress.Phase(
            $"[{key}] train 784-400-100-10, {settings.Epochs} epochs",
            (long)batches * settings.Epochs,
            report => model.Train(train.Images, train.Labels, options, new Reporter<TrainingProgress>(p => report(((long)(p.Epoch - 1) * p.Batches) + p.Batch)), cancellationToken));
        model.Save(path);
        WriteJson(manifestPath, manifest);
        return (model, false);
    }

    private (Tensor Map, bool Reused) LoadOrExplain(
        string folder, string key, ReproductionMethod method, Fcnn model, Tensor x, Tensor targets, string modelHash, string selectionHash)
    {
        var mapPath = Path.Combine(folder, "maps", method.Key + ".npy");
        var manifestPath = Path.Combine(folder, "maps", method.Key + ".json");
        var manifest = new MapManifest(method.Key, method.Settings, modelHash, selectionHash, x.shape[0]);
        if (File.Exists(mapPath) && File.Exists(manifestPath) && ReadJson<MapManifest>(manifestPath) == manifest)
        {
            try
            {
                var cached = NpyFile.ReadFloat32Matrix(mapPath);
                if (cached.shape.SequenceEqual(x.shape))
                {
                    return (cached, true);
                }

                cached.Dispose();
            }
            catch (InvalidDataException)
            {
                // Damaged: computed again below.
            }
        }

        var map = progress.Phase(
            $"[{key}] explain with {method.Display}",
            x.shape[0],
            report => model.Explain(x).For(targets).Using(method.Method)
                .WithProgress(new Reporter<AttributionProgress>(p => report(p.Done)))
                .WithCancellation(cancellationToken)
                .Compute());
        NpyFile.Write(mapPath, map);
        WriteJson(manifestPath, manifest);
        return (map, false);
    }

    private void Check(DatasetResult result, EvaluationReport report)
    {
        if (result.TestAccuracy < 0.8)
        {
            result.Warnings.Add($"test accuracy {result.TestAccuracy:P1} is below 80%: the network is not trained well enough for its explanations to mean much");
        }

        foreach (var row in result.Rows.Where(r => !r.Method.IsSanityRow))
        {
            var comparison = report.Compare(row.Method.Key, "random", "deletion_auc");
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

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static T? ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static void WriteJson<T>(string path, T value) =>
        Report.WriteAtomically(path, JsonSerializer.Serialize(value, Json));

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed record ModelManifest(string Source, int TrainImages, int Epochs, long Seed, int[] LayerSizes)
    {
        public bool Matches(ModelManifest other) =>
            Source == other.Source && TrainImages == other.TrainImages && Epochs == other.Epochs && Seed == other.Seed &&
            LayerSizes.SequenceEqual(other.LayerSizes);
    }

    private sealed record MapManifest(string Method, string Settings, string ModelSha256, string SelectionSha256, long Images);
}
