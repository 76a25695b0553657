namespace Xwp;

/// <summary>What a model's forward function returns for each input row.</summary>
public enum ModelOutput
{
    /// <summary>Pre-softmax scores <c>[N, C]</c>; methods that measure probabilities apply softmax over classes.</summary>
    Logits,

    /// <summary>
    /// Class probabilities <c>[N, C]</c> (each row sums to 1). Methods then measure the outputs as they
    /// are; asking such a model for logits (<see cref="OutputSpace.Logits"/>) is an error.
    /// </summary>
    Probabilities,
}
