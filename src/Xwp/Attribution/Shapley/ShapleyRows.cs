using static TorchSharp.torch;

namespace Xwp.Attribution.Shapley;

/// <summary>The settings both SHAP methods share, as the row loop needs them.</summary>
internal sealed record ShapleySettings(
    Baselines Baseline,
    FeatureMask? FeatureMask,
    OutputSpace OutputSpace,
    long MemoryBudgetBytes);

/// <summary>
/// The row loop of the SHAP methods: one game per input row (the FCNN fast path when the model is an
/// <see cref="Fcnn"/>, batched forward passes otherwise), one dispose scope per row, the estimator's
/// values for the active groups, and every feature of a group given its group's value. Inactive
/// groups (see <see cref="CoalitionGame"/>) get exactly 0.
/// </summary>
internal static class ShapleyRows
{
    /// <param name="batch">The batch.</param>
    /// <param name="settings">Baseline, grouping, output space, memory budget.</param>
    /// <param name="estimate">
    /// Given a game with at least two players and the row's global index, the players' values
    /// (float64 <c>[players]</c>, on the model's device), summing to <c>Full − Empty</c>.
    /// </param>
    public static Tensor Attribute(AttributionBatch batch, ShapleySettings settings, Func<CoalitionGame, long, Tensor> estimate)
    {
        var x = batch.Inputs;
        var shape = x.shape;
        var rows = shape[0];
        var features = batch.Features;
        var baseline = settings.Baseline.ForBatch(x, batch.Offset, "Baseline");
        var (groupOfFeature, groups) = settings.FeatureMask is null
            ? (Enumerable.Range(0, checked((int)features)).Select(i => (long)i).ToArray(), checked((int)features))
            : settings.FeatureMask.Resolve(shape.Skip(1).ToArray(), "FeatureMask");
        var groupIndex = tensor(groupOfFeature, int64).to(x.device);
        var targets = batch.Targets.cpu().data<long>().ToArray();
        var result = zeros(rows, features, dtype: float32, device: x.device);

        for (long row = 0; row < rows; row++)
        {
            batch.CancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            CoalitionGame game = batch.Fcnn is { } fcnn
                ? FirstLayerGame.Create(fcnn, x[row], baseline[row], groupIndex, groups, targets[row], settings.OutputSpace, settings.MemoryBudgetBytes)
                : ForwardGame.Create(batch.Model, x[row], baseline[row], groupIndex, groups, targets[row], settings.OutputSpace, settings.MemoryBudgetBytes);
            if (game.PlayerCount == 0)
            {
                continue;
            }

            var values = game.PlayerCount == 1
                ? tensor(new[] { game.Full - game.Empty }, float64).to(x.device)
                : estimate(game, batch.Offset + row);
            var perGroup = zeros(groups, dtype: float64, device: x.device);
            perGroup.index_copy_(0, tensor(game.Players, int64).to(x.device), values);
            result[row].copy_(perGroup.index_select(0, groupIndex));
        }

        return result.reshape(shape);
    }
}
