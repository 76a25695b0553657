namespace Xwp;

/// <summary>
/// Thrown when a loaded model's forward function fails on the inputs it was given, e.g. a TorchScript
/// module that meets inputs of a shape it cannot take, or one whose forward returns a tuple instead of
/// one tensor. <see cref="Reason"/> holds the useful line of the underlying error
/// (e.g. <c>mat1 and mat2 shapes cannot be multiplied (1x676 and 36x3)</c>), without the
/// interpreter's traceback.
/// </summary>
/// <remarks>
/// It derives from <see cref="InvalidOperationException"/>: the model cannot be used on these inputs,
/// which is a problem of the inputs or of the model, not of Xwp.
/// </remarks>
public sealed class ModelForwardException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with the model, the input shape and the reason.</param>
    /// <param name="reason">The underlying error's useful line.</param>
    /// <param name="inputShape">The shape of the inputs the forward function was called on.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelForwardException(string message, string reason, IReadOnlyList<long> inputShape, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        InputShape = inputShape;
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public ModelForwardException(string message)
        : this(message, message, [])
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelForwardException(string message, Exception innerException)
        : this(message, message, [], innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public ModelForwardException()
        : this("The model's forward function failed.")
    {
    }

    /// <summary>The underlying error's useful line (for TorchScript: the interpreter's error, without its traceback).</summary>
    public string Reason { get; }

    /// <summary>The shape of the inputs the forward function was called on (empty when unknown).</summary>
    public IReadOnlyList<long> InputShape { get; }
}
