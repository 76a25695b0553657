namespace Xwp;

/// <summary>Options of Input×Gradient (Shrikumar et al., "Not Just a Black Box", 2016; Captum's <c>InputXGradient</c>).</summary>
public sealed record InputXGradientOptions
{
    /// <summary>What f measures: softmax probabilities (default) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(OutputSpace))
        {
            throw new ArgumentOutOfRangeException(nameof(OutputSpace), OutputSpace, "Unknown output space.");
        }
    }
}
