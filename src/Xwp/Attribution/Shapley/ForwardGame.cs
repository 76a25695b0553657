using static TorchSharp.torch;

namespace Xwp.Attribution.Shapley;

/// <summary>
/// The coalition game of one row on any model: each coalition's input <c>x′ + 1_S ⊙ (x − x′)</c> is built
/// and goes through the forward function, as many coalitions per pass as the memory budget allows.
/// </summary>
internal sealed class ForwardGame : CoalitionGame
{
    private readonly ExplainableModel _model;
    private readonly OutputSpace _space;
    private readonly long _target;
    private readonly long _chunkRows;
    private readonly long[] _inputShape;
    private readonly Tensor _baseline;
    private readonly Tensor _difference;
    private readonly Tensor _playerOfFeature;

    private ForwardGame(ExplainableModel model, OutputSpace space, long target, long chunkRows, long[] inputShape, Tensor baseline, Tensor difference, Tensor playerOfFeature, long[] players)
    {
        _model = model;
        _space = space;
        _target = target;
        _chunkRows = chunkRows;
        _inputShape = inputShape;
        _baseline = baseline;
        _difference = difference;
        _playerOfFeature = playerOfFeature;
        SetPlayers(players);
        var m = players.Length;
        using var ends = Values(stack([zeros(m, dtype: float32, device: Device), ones(m, dtype: float32, device: Device)]));
        SetEnds(ends[0].item<double>(), ends[1].item<double>());
    }

    /// <inheritdoc/>
    public override Device Device => _baseline.device;

    /// <summary>Builds the game of one row. Its tensors live in the caller's dispose scope.</summary>
    /// <param name="model">The model.</param>
    /// <param name="x">The input row, of the per-input shape.</param>
    /// <param name="baseline">The baseline row, of the same shape.</param>
    /// <param name="groupOfFeature">Int64 <c>[D]</c> group ids (row-major features) on the model's device.</param>
    /// <param name="groups">The number of groups M.</param>
    /// <param name="target">The explained class.</param>
    /// <param name="space">Probabilities or logits.</param>
    /// <param name="memoryBudgetBytes">Budget of one chunk of coalitions.</param>
    public static ForwardGame Create(ExplainableModel model, Tensor x, Tensor baseline, Tensor groupOfFeature, int groups, long target, OutputSpace space, long memoryBudgetBytes)
    {
        var features = x.numel();
        var b = baseline.reshape(features);
        var difference = x.reshape(features).sub(b);
        var changedPerGroup = zeros(groups, dtype: float32, device: x.device).index_add_(0, groupOfFeature, difference.ne(0).to(float32), 1);
        var active = changedPerGroup.gt(0);
        var players = active.nonzero().squeeze(1);

        // Player index of every feature; features of inactive groups point at an extra, always-absent column.
        var playerOfGroup = full(groups, players.shape[0], dtype: int64, device: x.device).index_copy_(0, players, arange(players.shape[0], dtype: int64, device: x.device));
        var playerOfFeature = playerOfGroup.index_select(0, groupOfFeature);
        var chunk = ForwardChunks.Rows(model, features, memoryBudgetBytes, extraFloatsPerRow: 2 * features);
        return new ForwardGame(model, space, target, chunk, x.shape, b, difference, playerOfFeature, players.cpu().data<long>().ToArray());
    }

    /// <inheritdoc/>
    protected override long ChunkRows => _chunkRows;

    /// <inheritdoc/>
    protected override Tensor ChunkValues(Tensor coalitions)
    {
        var n = coalitions.shape[0];
        var present = cat([coalitions, zeros(n, 1, dtype: float32, device: coalitions.device)], 1).index_select(1, _playerOfFeature);
        var inputs = present.mul_(_difference).add_(_baseline);
        var outputs = ModelOutputs.Evaluate(_model, inputs.view([n, .. _inputShape]), _space);
        return outputs.select(1, _target).to(float64);
    }

    /// <inheritdoc/>
    /// <remarks>Each prefix becomes a 0/1 membership row, and the rows go through the forward function together.</remarks>
    protected override Tensor ChunkPrefixValues(Tensor orders, long players)
    {
        var (n, inner) = (orders.shape[0], orders.shape[1]);
        var prefixes = zeros(n, inner, players, dtype: float32, device: orders.device)
            .scatter_(2, orders.unsqueeze(2), ones(n, inner, 1, dtype: float32, device: orders.device))
            .cumsum(1);
        return ChunkValues(prefixes.view(n * inner, players));
    }
}
