using Xwp.Models;
using static TorchSharp.torch;

namespace Xwp.Attribution.Shapley;

/// <summary>
/// The coalition game of one row on an FCNN (see <see cref="CoalitionGame"/>), evaluated through the
/// first layer's linearity.
/// </summary>
/// <remarks>
/// <para>
/// Only the first layer sees the input and it is linear, so a coalition's first-layer
/// pre-activation is <c>h(S) = h(x′) + Σ_{g∈S} c_g</c> with <c>c_g = W[:, g] (x − x′)_g</c>. Every
/// coalition then costs one product of its membership row with the <c>[M, H1]</c> contributions
/// instead of a <c>[D]</c>-wide first layer: with 49 superpixels on 784 pixels the first layer —
/// most of an MLP's work — becomes 16 times cheaper.
/// </para>
/// <para>
/// A group whose contribution is exactly zero (all its features equal the baseline, or their
/// first-layer weights are zero) leaves every <c>h(S)</c> bit-for-bit unchanged: it is a dummy
/// player with Shapley value exactly 0, and leaving it out of the game does not change the other
/// players' values. The game's players are the remaining, active groups.
/// </para>
/// </remarks>
internal sealed class FirstLayerGame : CoalitionGame
{
    private readonly FcnnSnapshot _net;
    private readonly OutputSpace _space;
    private readonly long _target;
    private readonly long _chunkRows;
    private readonly Tensor _hBase;
    private readonly Tensor _contributions;

    private FirstLayerGame(FcnnSnapshot net, OutputSpace space, long target, long chunkRows, Tensor hBase, Tensor contributions, long[] players)
    {
        _net = net;
        _space = space;
        _target = target;
        _chunkRows = chunkRows;
        _hBase = hBase;
        _contributions = contributions;
        SetPlayers(players);
        using var full = hBase.add(contributions.sum(0, keepdim: true));
        SetEnds(Value(hBase.clone()).item<double>(), Value(full.clone()).item<double>());
    }

    /// <inheritdoc/>
    public override Device Device => _hBase.device;

    /// <summary>Builds the game of one row. Its tensors live in the caller's dispose scope.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="x">The input row <c>[D]</c>.</param>
    /// <param name="baseline">The baseline row <c>[D]</c>.</param>
    /// <param name="groupOfFeature">Int64 <c>[D]</c> group ids on the model's device.</param>
    /// <param name="groups">The number of groups M.</param>
    /// <param name="target">The explained class.</param>
    /// <param name="space">Probabilities or logits.</param>
    /// <param name="memoryBudgetBytes">Budget of one chunk of coalitions.</param>
    public static FirstLayerGame Create(Fcnn model, Tensor x, Tensor baseline, Tensor groupOfFeature, int groups, long target, OutputSpace space, long memoryBudgetBytes)
    {
        var net = model.Trained;
        var weight = net.Weights[0];
        var hidden = weight.shape[0];
        var hBase = net.FirstLayer(baseline.unsqueeze(0));
        var diff = x.sub(baseline);
        var changed = diff.ne(0).nonzero().squeeze(1);
        var contributions = zeros(groups, hidden, dtype: float32, device: x.device);
        if (changed.shape[0] > 0)
        {
            var perFeature = weight.index_select(1, changed).t().mul(diff.index_select(0, changed).unsqueeze(1));
            contributions.index_add_(0, groupOfFeature.index_select(0, changed), perFeature, 1);
        }

        var active = contributions.ne(0).any(1).nonzero().squeeze(1);
        var players = active.cpu().data<long>().ToArray();
        var chunk = ForwardChunks.Rows(model, memoryBudgetBytes, extraFloatsPerRow: hidden + Math.Max(1, players.Length));
        return new FirstLayerGame(net, space, target, chunk, hBase, contributions.index_select(0, active), players);
    }

    /// <inheritdoc/>
    protected override long ChunkRows => _chunkRows;

    /// <inheritdoc/>
    protected override Tensor ChunkValues(Tensor coalitions) =>
        Value(_hBase.expand(coalitions.shape[0], -1).addmm(coalitions, _contributions));

    /// <inheritdoc/>
    /// <remarks>The prefixes' pre-activations are running sums of the players' first-layer contributions.</remarks>
    protected override Tensor ChunkPrefixValues(Tensor orders, long players)
    {
        var (n, inner) = (orders.shape[0], orders.shape[1]);
        var hidden = _contributions.shape[1];
        var h = _contributions.index_select(0, orders.reshape(-1)).view(n, inner, hidden).cumsum(1).add_(_hBase.unsqueeze(0));
        return Value(h.view(n * inner, hidden));
    }

    /// <summary>The target's output (float64) for first-layer pre-activations <c>[n, H1]</c> (overwritten).</summary>
    private Tensor Value(Tensor firstPreActivation)
    {
        var logits = _net.HeadInPlace(firstPreActivation);
        var outputs = ModelOutputs.FromLogits(logits, _space);
        return outputs.select(1, _target).to(float64);
    }
}
