namespace Xwp;

/// <summary>The activation between the linear layers of an <see cref="Fcnn"/>.</summary>
public enum Activation
{
    /// <summary><c>max(0, x)</c>, the paper's choice and the default.</summary>
    ReLU,

    /// <summary>Gaussian error linear unit (exact, erf-based, as PyTorch's default).</summary>
    GELU,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,

    /// <summary><c>x</c> for positive inputs, <c>slope·x</c> otherwise; see <see cref="FcnnOptions.LeakyReLUSlope"/>.</summary>
    LeakyReLU,
}
