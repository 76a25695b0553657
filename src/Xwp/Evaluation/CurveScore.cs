namespace Xwp;

/// <summary>What a Deletion or Insertion curve records for the target class at each step.</summary>
public enum CurveScore
{
    /// <summary>The default: the target's softmax probability, in [0, 1] (Petsiuk et al., 2018).</summary>
    Probability,

    /// <summary>The target's logit (the network's output before the softmax); unbounded, so the area can be negative.</summary>
    Logit,
}
