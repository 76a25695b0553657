namespace Xwp;

/// <summary>Which of the two readings of the paper's eq. (5) XWP^c returns (see docs/methods.md#the-sign-of-xwpc).</summary>
public enum ComplementSign
{
    /// <summary>
    /// Default. <c>S_i = I·(f(x; only W_i trained) − f(x; all first-layer weights initial))</c>: what
    /// feature i achieved by itself. Zero when <c>x_i = 0</c>. This is what the paper's prose and
    /// heatmaps describe.
    /// </summary>
    ByItself,

    /// <summary>
    /// The literal eq. (5): <c>I·(f(x; θ) − f(x; only W_i trained)) = C(x) − S_i</c>, where
    /// <c>C(x) = I·(f(x; θ) − f(x; all initial))</c> is the same for every feature of an image. It ranks
    /// features exactly backwards relative to <see cref="ByItself"/> and gives every zero-valued
    /// feature the top value C(x); kept for reproducing the formula as printed.
    /// </summary>
    Literal,
}
