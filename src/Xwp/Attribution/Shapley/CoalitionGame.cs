using static TorchSharp.torch;

namespace Xwp.Attribution.Shapley;

/// <summary>
/// The cooperative game behind both SHAP methods, for one input row: a coalition S of feature
/// groups is worth <c>v(S) = f_t(x′ + 1_S ⊙ (x − x′))</c>, the target's output when the features of
/// S take the input's values and all others the baseline's. A group none of whose features differ
/// from the baseline is a dummy player (value exactly 0) and is left out; the players are the others.
/// </summary>
internal abstract class CoalitionGame
{
    /// <summary>The active groups (ids in <c>[0, M)</c>, increasing); the game's players in this order.</summary>
    public long[] Players { get; private set; } = [];

    /// <summary>Where the game's tensors live (the model's device).</summary>
    public abstract Device Device { get; }

    /// <summary>The number of players.</summary>
    public int PlayerCount => Players.Length;

    /// <summary><c>v(∅) = f_t(x′)</c>.</summary>
    public double Empty { get; private set; }

    /// <summary><c>v(all) = f_t(x)</c>.</summary>
    public double Full { get; private set; }

    /// <summary>Coalitions evaluated in one pass (the memory budget's share of a row, fixed by the game's constructor).</summary>
    protected abstract long ChunkRows { get; }

    /// <summary>The values <c>v(S)</c>, float64 <c>[S]</c>, of coalitions given as float32 0/1 membership rows <c>[S, players]</c>.</summary>
    public Tensor Values(Tensor coalitions)
    {
        var count = coalitions.shape[0];
        var values = empty(count, dtype: float64, device: coalitions.device);
        for (long start = 0; start < count; start += ChunkRows)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(ChunkRows, count - start);
            values.narrow(0, start, n).copy_(ChunkValues(coalitions.narrow(0, start, n)));
        }

        return values;
    }

    /// <summary>
    /// For player orders (int64 <c>[P, players]</c>, each row a permutation of <c>0 … players−1</c>), the
    /// values of the proper, non-empty prefixes: float64 <c>[P, players − 1]</c>, column k the value of the
    /// first k + 1 players of the order.
    /// </summary>
    public Tensor PrefixValues(Tensor orders)
    {
        var (count, m) = (orders.shape[0], orders.shape[1]);
        var inner = m - 1;
        var values = empty(count, inner, dtype: float64, device: orders.device);
        if (inner == 0)
        {
            return values;
        }

        var perChunk = Math.Max(1, ChunkRows / inner);
        for (long start = 0; start < count; start += perChunk)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(perChunk, count - start);
            values.narrow(0, start, n).copy_(ChunkPrefixValues(orders.narrow(0, start, n).narrow(1, 0, inner), m).view(n, inner));
        }

        return values;
    }

    /// <summary>The values (float64 <c>[n]</c>) of at most <see cref="ChunkRows"/> coalitions <c>[n, players]</c>; runs in the caller's scope.</summary>
    protected abstract Tensor ChunkValues(Tensor coalitions);

    /// <summary>
    /// The values (float64, <c>n · inner</c> of them, row-major) of the prefixes of length 1 … inner of
    /// <paramref name="orders"/> (int64 <c>[n, inner]</c>, the first inner players of n orders of
    /// <paramref name="players"/> players); runs in the caller's scope.
    /// </summary>
    protected abstract Tensor ChunkPrefixValues(Tensor orders, long players);

    /// <summary>Sets the players (called once by the constructor of a game).</summary>
    protected void SetPlayers(long[] players) => Players = players;

    /// <summary>Sets <see cref="Empty"/> and <see cref="Full"/> (called once by the constructor of a game).</summary>
    protected void SetEnds(double empty, double full)
    {
        Empty = empty;
        Full = full;
    }
}
