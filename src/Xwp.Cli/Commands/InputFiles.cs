using static TorchSharp.torch;

namespace Xwp.Cli.Commands;

/// <summary>
/// Reads the .npy files the commands take and checks them against each other and the model, so that
/// every problem is reported with the file, the row and the feature, before the library sees the tensors.
/// Each reader returns a tensor the caller owns, or throws and leaves nothing behind.
/// </summary>
internal static class InputFiles
{
    /// <summary>Reads a float32/float64 <c>[N, D]</c> file as float32 and checks D and that every value is finite.</summary>
    /// <param name="path">The file.</param>
    /// <param name="features">The D the model takes.</param>
    /// <exception cref="InvalidDataException">The file is bad, has another D, or holds NaN or infinity; the message names the file.</exception>
    public static Tensor ReadMatrix(string path, long features)
    {
        var matrix = NpyFile.ReadFloat32Matrix(path);
        try
        {
            if (matrix.shape[1] != features)
            {
                throw new InvalidDataException($"'{path}' has {matrix.shape[1]} features per row; the model takes {features}.");
            }

            CheckNotEmpty(matrix, path);
            CheckFinite(matrix, path);
            return matrix;
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
    }

    /// <summary>Reads int64/int32 <c>[N]</c> class indices and checks N against the inputs and every value against the classes.</summary>
    /// <param name="path">The targets file.</param>
    /// <param name="rows">N, the number of input rows.</param>
    /// <param name="inputsPath">The inputs file, named when the lengths differ.</param>
    /// <param name="classes">The model's number of classes C; targets must lie in [0, C).</param>
    /// <exception cref="InvalidDataException">The file is bad, has another length, or holds a class the model does not have.</exception>
    public static Tensor ReadTargets(string path, long rows, string inputsPath, int classes)
    {
        var targets = NpyFile.ReadInt64Vector(path);
        try
        {
            if (targets.shape[0] != rows)
            {
                throw new InvalidDataException($"'{path}' has {targets.shape[0]} rows but '{inputsPath}' has {rows}; give one class per input row.");
            }

            using var scope = NewDisposeScope();
            var bad = targets.lt(0).logical_or(targets.ge(classes)).nonzero();
            if (bad.shape[0] > 0)
            {
                var row = bad[0, 0].item<long>();
                var value = targets[row].item<long>();
                var others = bad.shape[0] > 1 ? $" ({bad.shape[0]} rows are out of range; this is the first)" : string.Empty;
                throw new InvalidDataException(
                    $"'{path}' row {row} holds class {value}, but the model has {classes} classes (0 to {classes - 1}){others}.");
            }

            return targets;
        }
        catch
        {
            targets.Dispose();
            throw;
        }
    }

    /// <summary>Reads a float array <c>[N, ...]</c> (rank at least 2, at least one row) as float32 and checks that every value is finite.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file holds, for the message (e.g. "inputs").</param>
    /// <param name="checkFinite">False when the caller checks finiteness itself, on only the values it uses.</param>
    /// <exception cref="InvalidDataException">The file is bad, not floating point, of rank below 2, empty, or holds a non-finite value.</exception>
    public static Tensor ReadBatch(string path, string what, bool checkFinite = true)
    {
        var batch = ModelArguments.ReadBatch(path, what);
        try
        {
            CheckNotEmpty(batch, path);
            if (checkFinite)
            {
                CheckFinite(batch, path);
            }

            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the inputs of a model that is not an FCNN (<c>[N, ...]</c>, finite) and runs its forward on the
    /// first row, so that inputs of a shape the model cannot take are reported with the file and its shape.
    /// </summary>
    /// <remarks>
    /// The model's own error quotes the shapes it met on that one-row probe (e.g. <c>[1, 783]</c> or <c>1x783</c>), not
    /// the file's: the message leads with the file's shape and the shape of one row, says what the model takes when it
    /// is known (the first Linear layer's features of an XWP model), and only then quotes the probe's error, as such.
    /// </remarks>
    /// <exception cref="InvalidDataException">The file is bad, or the model fails on its rows; the message names the file, its shape and the model's error.</exception>
    /// <exception cref="ModelForwardException">The model's forward returns something other than one tensor.</exception>
    public static Tensor ReadModelBatch(string path, ExplainableModel model)
    {
        var batch = ReadBatch(path, "inputs");
        try
        {
            _ = Xwp.Attribution.ModelOutputs.ClassCount(model, batch);
            return batch;
        }
        catch (ModelForwardException e) when (e.InnerException is not InvalidCastException)
        {
            var shape = string.Join(", ", batch.shape);
            var row = string.Join(", ", batch.shape.Skip(1));
            var features = batch.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            batch.Dispose();
            var takes = model is XwpModel xwp && FirstLayerFeatures(xwp) is var d && d != features
                ? $"; its first Linear layer '{xwp.FirstLayerName}' takes {d} features per row, and a row here holds {features}"
                : model.InputShape is { } expected && !expected.SequenceEqual(batch.shape.Skip(1))
                    ? $"; it takes rows of shape [{string.Join(", ", expected)}]"
                    : string.Empty;
            throw new InvalidDataException(
                $"'{path}' holds inputs of shape [{shape}] (rows of shape [{row}]), which the model cannot take{takes}. " +
                $"The model's error on the first row alone, [1, {row}]: {e.Reason}", e);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>D, the features an XWP model's first Linear layer takes (the columns of its weight).</summary>
    private static long FirstLayerFeatures(XwpModel model)
    {
        using var scope = NewDisposeScope(); // FirstLayer makes a detached view of the live weight; Initial stays the model's
        return model.FirstLayer.Initial.shape[1];
    }

    /// <summary>Refuses a file without rows (<c>[0, …]</c>), naming it: there is nothing to explain or evaluate.</summary>
    private static void CheckNotEmpty(Tensor batch, string path)
    {
        if (batch.shape[0] == 0)
        {
            throw new InvalidDataException($"'{path}' holds no rows (shape [{string.Join(", ", batch.shape)}]); give at least one.");
        }
    }

    /// <summary>Refuses a tensor read from <paramref name="path"/> that holds NaN or infinity, naming the first such row and feature.</summary>
    /// <exception cref="InvalidDataException">A value is NaN or infinite.</exception>
    public static void CheckFinite(Tensor values, string path)
    {
        if (InputValidation.DescribeNonFinite(values) is not { } problem)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var first = values.isfinite().logical_not().nonzero()[0];
        var where = values.dim() switch
        {
            1 => $"feature {first[0].item<long>()}",
            2 => $"row {first[0].item<long>()}, feature {first[1].item<long>()}",
            _ => $"index [{string.Join(", ", first.data<long>().ToArray())}]",
        };
        throw new InvalidDataException($"'{path}' has a non-finite value at {where} ({problem} in the file); it must hold finite numbers.");
    }
}
