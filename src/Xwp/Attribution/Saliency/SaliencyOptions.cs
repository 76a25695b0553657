namespace Xwp;

/// <summary>Options of Saliency (Simonyan, Vedaldi &amp; Zisserman, "Deep Inside Convolutional Networks", ICLR workshop 2014; Captum's <c>Saliency</c>).</summary>
public sealed record SaliencyOptions
{
    /// <summary>What f measures: softmax probabilities (default) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>Return <c>|∂f_t/∂x|</c> (default, as Captum's <c>abs=True</c>) or the signed gradient.</summary>
    public bool Absolute { get; init; } = true;

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
