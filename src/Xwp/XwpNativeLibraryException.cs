namespace Xwp;

/// <summary>
/// Thrown when TorchSharp's native library cannot be loaded and Xwp cannot work around the cause.
/// The message says which library failed and what is missing.
/// </summary>
public sealed class XwpNativeLibraryException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed and what is missing.</param>
    public XwpNativeLibraryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">What failed and what is missing.</param>
    /// <param name="innerException">The underlying error.</param>
    public XwpNativeLibraryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public XwpNativeLibraryException()
        : base("TorchSharp's native library could not be loaded.")
    {
    }
}
