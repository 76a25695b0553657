using System.Runtime.InteropServices;

namespace Xwp.IO;

/// <summary>What a path names, as far as writing a file there is concerned.</summary>
internal enum FileKind
{
    /// <summary>Nothing exists there.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A FIFO (named pipe).</summary>
    Fifo,

    /// <summary>A character device such as <c>/dev/null</c> or <c>/dev/full</c>.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>
/// Tells regular files from FIFOs, devices and sockets, which .NET's file APIs do not. On Linux this
/// asks <c>statx(2)</c>, whose <c>struct statx</c> has one layout on every architecture (unlike
/// <c>struct stat</c>), so no per-architecture table is needed; elsewhere only folders are told apart.
/// </summary>
internal static partial class FileKinds
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28;
    private const int StatxSize = 256;
    private const int Enoent = 2;
    private const int Enotdir = 20;
    private const uint StatxIno = 0x100;
    private const int StatxInoOffset = 32;
    private const int StatxDevMajorOffset = 136;

    /// <summary>What <paramref name="path"/> names, following symbolic links.</summary>
    /// <exception cref="IOException">The path cannot be examined (other than because it does not exist).</exception>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }

        Span<byte> buffer = stackalloc byte[StatxSize];
        if (Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Enoent or Enotdir
                ? FileKind.Missing
                : throw new IOException($"'{path}' cannot be examined: {Marshal.GetPInvokeErrorMessage(errno)}.");
        }

        var mode = BitConverter.ToUInt16(buffer.Slice(StatxModeOffset, 2));
        return (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    /// <summary>
    /// Checks that <paramref name="path"/> names a regular file to read (following symbolic links): a missing
    /// path, a folder, a FIFO (e.g. a shell's <c>&lt;(cat x.npy)</c>), a device or a socket is refused with a
    /// message that names the path, before a reader would fail on seeking or wait on a pipe.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="what">What the file should be, for the message (e.g. ".npy file").</param>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="IOException">The path is not a regular file, or cannot be examined.</exception>
    public static void CheckReadable(string path, string what)
    {
        var kind = Of(path);
        switch (kind)
        {
            case FileKind.Regular:
                return;
            case FileKind.Missing:
                throw new FileNotFoundException($"The {what} '{path}' does not exist.", path);
            case FileKind.Directory:
                throw new IOException($"'{path}' is a folder; give the {what} inside it.");
            default:
                throw new IOException(
                    $"'{path}' is {Describe(kind)}, not a regular file; a {what} is read from a regular file (save the data to a file first).");
        }
    }

    /// <summary>The kind as words for a message ("a FIFO (named pipe)").</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    /// <summary>
    /// Whether two existing paths name the same file (the same device and inode on Linux, so symbolic links
    /// anywhere in either path and hard links count; elsewhere the same full path after following a link).
    /// False when either does not exist or cannot be examined.
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.Exists(a) && File.Exists(b) && string.Equals(FinalTarget(a), FinalTarget(b), StringComparison.OrdinalIgnoreCase);
        }

        return Identity(a) is { } x && Identity(b) is { } y && x == y;
    }

    /// <summary>(device major, device minor, inode) of an existing path, following links; null when it cannot be examined.</summary>
    private static (uint Major, uint Minor, ulong Inode)? Identity(string path)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (Statx(AtFdCwd, path, 0, StatxType | StatxIno, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        return (BitConverter.ToUInt32(buffer.Slice(StatxDevMajorOffset, 4)),
                BitConverter.ToUInt32(buffer.Slice(StatxDevMajorOffset + 4, 4)),
                BitConverter.ToUInt64(buffer.Slice(StatxInoOffset, 8)));
    }

    private static string FinalTarget(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).LinkTarget is null ? full : File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
