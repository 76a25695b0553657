namespace Xwp.Attribution;

/// <summary>
/// A check, before a method allocates, that the tensors it must hold at once (KernelSHAP's coalitions,
/// Shapley value sampling's orders, RISE's masks) fit in the memory this process may use. Beyond it
/// libtorch's allocation can end the process (a segmentation fault) instead of throwing, so a count such
/// as <c>Samples = int.MaxValue</c> is refused with the option's name instead.
/// </summary>
internal static class WorkingMemory
{
    /// <summary>
    /// The bytes this process may use: the GC's total available memory (physical memory, or the container's
    /// or <c>GCHeapHardLimit</c>'s limit).
    /// </summary>
    internal static long AvailableBytes
    {
        get
        {
            var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            return available > 0 ? available : long.MaxValue;
        }
    }

    /// <summary>
    /// Throws when <paramref name="bytes"/> (as a double, so that products of large counts cannot wrap) exceed
    /// <see cref="AvailableBytes"/>.
    /// </summary>
    /// <param name="bytes">The bytes held at once.</param>
    /// <param name="option">The option that sets the count (the exception's parameter name).</param>
    /// <param name="value">The option's value.</param>
    /// <param name="what">What is held, e.g. "KernelSHAP's 100000000 coalitions of 784 players".</param>
    /// <param name="advice">What to change, e.g. "use fewer samples".</param>
    /// <exception cref="ArgumentOutOfRangeException">The tensors do not fit; names <paramref name="option"/>.</exception>
    internal static void Require(double bytes, string option, object value, string what, string advice)
    {
        var available = AvailableBytes;
        if (bytes > available)
        {
            throw new ArgumentOutOfRangeException(
                option,
                value,
                $"{what} need about {Format(bytes)} at once, more than the {Format(available)} of memory this process may use; {advice}.");
        }
    }

    /// <summary>A byte count in GB (or TB, PB), e.g. "2.5 TB".</summary>
    internal static string Format(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
        var unit = 0;
        while (bytes >= 1000 && unit < units.Length - 1)
        {
            bytes /= 1000;
            unit++;
        }

        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes:0.#} {units[unit]}");
    }
}
