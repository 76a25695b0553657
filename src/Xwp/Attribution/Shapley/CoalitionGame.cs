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

    /// <summary>The values <c>v(S)</c>, float64 <c>[S]</c>, of coalitions given as float32 0/1 membership rows <c>[S, players]</c>.</summary>
    public abstract Tensor Values(Tensor coalitions);

    /// <summary>
    /// For player orders (int64 <c>[P, players]</c>, each row a permutation of <c>0 … players−1</c>), the
    /// values of the proper, non-empty prefixes: float64 <c>[P, players − 1]</c>, column k the value of the
    /// first k + 1 players of the order.
    /// </summary>
    public abstract Tensor PrefixValues(Tensor orders);

    /// <summary>Sets the players (called once by the constructor of a game).</summary>
    protected void SetPlayers(long[] players) => Players = players;

    /// <summary>Sets <see cref="Empty"/> and <see cref="Full"/> (called once by the constructor of a game).</summary>
    protected void SetEnds(double empty, double full)
    {
        Empty = empty;
        Full = full;
    }
}
