namespace Xwp;

/// <summary>Which output of the network an attribution method measures.</summary>
public enum OutputSpace
{
    /// <summary>Softmax probabilities (the paper's f, and the default).</summary>
    Probabilities,

    /// <summary>Pre-softmax scores.</summary>
    Logits,
}
