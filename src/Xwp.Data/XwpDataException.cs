namespace Xwp;

/// <summary>
/// Thrown when a dataset file cannot be found or read. The message names the file (or the folders
/// searched) and says what is wrong, e.g. <c>'train-labels-idx1-ubyte.gz': wrong magic number
/// 0x00000803; a labels file starts with 0x00000801</c>.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed), so code
/// that handles failures to read files handles it too.
/// </remarks>
public sealed class XwpDataException : IOException
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Which file and what is wrong with it.</param>
    public XwpDataException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">Which file and what is wrong with it.</param>
    /// <param name="innerException">The underlying error.</param>
    public XwpDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public XwpDataException()
        : base("A dataset file could not be read.")
    {
    }

    /// <summary>An exception whose message starts with the quoted file name.</summary>
    internal static XwpDataException InFile(string file, string problem, Exception? inner = null) =>
        inner is null ? new($"'{file}': {problem}") : new($"'{file}': {problem}", inner);
}
