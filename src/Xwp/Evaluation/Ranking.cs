using static TorchSharp.torch;

namespace Xwp.Evaluation;

/// <summary>
/// How every metric reads an attribution map: features in decreasing order of attribution, ties
/// broken by the lower feature index (a stable descending sort), so results are deterministic.
/// </summary>
internal static class Ranking
{
    /// <summary>Feature indices <c>[B, D]</c> (int64), most important first.</summary>
    public static Tensor Order(Tensor maps) => maps.sort(1, descending: true, stable: true).Indices;

    /// <summary>Each feature's position in <see cref="Order"/> <c>[B, D]</c> (int64): 0 for the most important.</summary>
    public static Tensor Positions(Tensor order)
    {
        var (rows, features) = (order.shape[0], order.shape[1]);
        var ranks = arange(features, int64, order.device).expand(rows, features).contiguous();
        return zeros_like(order).scatter_(1, order, ranks);
    }

    /// <summary>True for the <paramref name="count"/> most important features of each row <c>[B, D]</c>.</summary>
    public static Tensor Top(Tensor maps, int count) => Positions(Order(maps)).lt(count);

    /// <summary>The target's probability or logit (<paramref name="score"/>); <paramref name="logits"/> is <c>[B, C]</c> or <c>[B, S, C]</c>.</summary>
    public static Tensor TargetScores(Tensor logits, Tensor targets, CurveScore score) =>
        score == CurveScore.Probability ? TargetProbabilities(logits, targets) : TargetLogits(logits, targets);

    /// <summary>The logit of each row's target; <paramref name="logits"/> is <c>[B, C]</c> or <c>[B, S, C]</c>.</summary>
    public static Tensor TargetLogits(Tensor logits, Tensor targets)
    {
        if (logits.dim() == 2)
        {
            return logits.gather(1, targets.unsqueeze(1)).squeeze(1);
        }

        var (rows, steps) = (logits.shape[0], logits.shape[1]);
        return logits.gather(2, targets.view(rows, 1, 1).expand(rows, steps, 1)).squeeze(2);
    }

    /// <summary>Softmax probability of each row's target; <paramref name="logits"/> is <c>[B, C]</c> or <c>[B, S, C]</c>.</summary>
    public static Tensor TargetProbabilities(Tensor logits, Tensor targets)
    {
        var probabilities = Attribution.ModelOutputs.Softmax(logits);
        if (logits.dim() == 2)
        {
            return probabilities.gather(1, targets.unsqueeze(1)).squeeze(1);
        }

        var (rows, steps) = (logits.shape[0], logits.shape[1]);
        return probabilities.gather(2, targets.view(rows, 1, 1).expand(rows, steps, 1)).squeeze(2);
    }
}
