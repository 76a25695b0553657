namespace Xwp.IO;

/// <summary>
/// Writes files so that a reader sees either the old file or the whole new one, never a part: a
/// temporary file beside the target, flushed to disk, then renamed over the target. Every file Xwp
/// writes (models, .npy, the native-library copy, reports) goes through here.
/// </summary>
/// <remarks>
/// A rename replaces whatever the name pointed at, so the target is worked out first:
/// <list type="bullet">
/// <item>a symbolic link is followed to its final target (the link stays a link; the file it points
/// at gets the new content, and the temporary file is made in the target's folder, so that the
/// rename stays on one file system);</item>
/// <item>an existing target that is not a regular file — a FIFO, a character or block device, a
/// socket, a folder — is refused, since renaming over it would silently replace a device node or a
/// pipe with an ordinary file;</item>
/// <item>an existing regular file keeps its permission bits.</item>
/// </list>
/// Every error names the path the caller gave, never the temporary file.
/// </remarks>
internal static partial class AtomicFile
{
    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder of the file (or of its link's target) does not exist.</exception>
    /// <exception cref="IOException">The path names something other than a regular file, or it cannot be written; the message says which.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var target = ResolveTarget(path);
        var temp = TemporaryBeside(target, "tmp");
        var moved = false;
        try
        {
            WriteTemporary(path, target, temp, write);
            File.Move(temp, target, overwrite: true);
            moved = true;
        }
        finally
        {
            if (!moved)
            {
                DeleteQuietly(temp);
            }
        }
    }

    /// <summary>
    /// Writes several files so that either all of them get their new content or none changes: every
    /// temporary file is written and flushed first (any failure there leaves every target as it was);
    /// then they are renamed into place one by one, and if a rename fails, the files already renamed
    /// get their old content back (or are removed, if they did not exist before).
    /// </summary>
    /// <exception cref="ArgumentException">Two entries name the same file (after following links).</exception>
    /// <exception cref="IOException">See <see cref="Write(string, Action{Stream})"/>.</exception>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files) =>
        WriteAll(files, static (from, to) => File.Move(from, to, overwrite: true));

    /// <summary><see cref="WriteAll(IReadOnlyList{ValueTuple{string, Action{Stream}}})"/> with the rename step given, so that tests can make it fail.</summary>
    internal static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files, Action<string, string> move)
    {
        var targets = files.Select(f => ResolveTarget(f.Path)).ToList();
        var duplicate = targets.GroupBy(t => t, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            var names = files.Where((_, i) => targets[i] == duplicate.Key).Select(f => $"'{f.Path}'");
            throw new ArgumentException($"{string.Join(" and ", names)} name the same file; each output needs its own.", nameof(files));
        }

        var temps = new List<string>();
        var backups = new List<string?>();
        var committed = 0;
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                temps.Add(TemporaryBeside(targets[i], "tmp"));
                WriteTemporary(files[i].Path, targets[i], temps[i], files[i].Write);
            }

            // Old contents are kept (as a second name of the same file) until every rename has succeeded.
            for (var i = 0; i < files.Count; i++)
            {
                backups.Add(File.Exists(targets[i]) ? Backup(files[i].Path, targets[i]) : null);
            }

            for (; committed < files.Count; committed++)
            {
                move(temps[committed], targets[committed]);
            }
        }
        catch
        {
            for (var i = committed - 1; i >= 0; i--)
            {
                Restore(targets[i], backups[i]);
            }

            throw;
        }
        finally
        {
            foreach (var leftover in temps.Skip(committed).Concat(backups.OfType<string>()))
            {
                DeleteQuietly(leftover);
            }
        }
    }

    /// <summary>Writes bytes atomically.</summary>
    /// <exception cref="IOException">See <see cref="Write(string, Action{Stream})"/>.</exception>
    public static void Write(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>Writes UTF-8 text (no byte-order mark) atomically.</summary>
    /// <exception cref="IOException">See <see cref="Write(string, Action{Stream})"/>.</exception>
    public static void WriteText(string path, string text) =>
        Write(path, stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text)));

    /// <summary>
    /// Checks, before any work is done, that <see cref="Write(string, Action{Stream})"/> could write
    /// <paramref name="path"/>: the target is a regular file or does not exist yet, its folder exists,
    /// and a file can be created there (a probe file is created and deleted). Nothing else changes.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The path cannot be written; the message says why.</exception>
    public static void CheckWritable(string path)
    {
        var target = ResolveTarget(path);
        var probe = TemporaryBeside(target, "probe");
        CreateTemporary(path, target, probe).Dispose();
        DeleteQuietly(probe);
    }

    /// <summary>
    /// The file a write to <paramref name="path"/> must replace: the full path, with a chain of
    /// symbolic links followed to its end. The target need not exist (a link may dangle).
    /// </summary>
    /// <exception cref="IOException">The target exists and is not a regular file, or the links cannot be followed.</exception>
    internal static string ResolveTarget(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (Path.EndsInDirectorySeparator(full) || string.IsNullOrEmpty(Path.GetFileName(full)))
        {
            throw new OutputPathException($"Cannot write '{path}': it names a folder, not a file.");
        }

        string target;
        try
        {
            target = new FileInfo(full).LinkTarget is null
                ? full
                : File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException e)
        {
            // ELOOP: a cycle, or a chain longer than the system follows.
            throw new OutputPathException($"Cannot write '{path}': its symbolic links cannot be followed ({e.Message}).", e);
        }

        var kind = FileKinds.Of(target);
        if (kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw new OutputPathException(
                $"Cannot write {Describe(path, target)}: it is {FileKinds.Describe(kind)}, not a regular file. " +
                "Xwp writes a complete new file and renames it into place, which would replace it; give the path of a regular file.");
        }

        return target;
    }

    private static string TemporaryBeside(string target, string suffix) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.{suffix}");

    /// <summary>Writes and flushes the temporary file, with the permission bits of the file it will replace.</summary>
    private static void WriteTemporary(string path, string target, string temp, Action<Stream> write)
    {
        using (var stream = CreateTemporary(path, target, temp))
        {
            try
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException e) when (e is not OutputPathException)
            {
                throw new OutputPathException($"Writing {Describe(path, target)} failed: {e.Message.Replace(temp, target, StringComparison.Ordinal)}", e);
            }
        }

        KeepPermissions(target, temp);
    }

    /// <summary>A second name for the current content of <paramref name="target"/>: a hard link where possible, else a copy.</summary>
    private static string Backup(string path, string target)
    {
        var backup = TemporaryBeside(target, "old");
        if (OperatingSystem.IsWindows() || HardLink(target, backup) != 0)
        {
            try
            {
                File.Copy(target, backup);
            }
            catch (IOException e)
            {
                throw new OutputPathException($"Cannot write {Describe(path, target)}: its current content could not be kept for a roll-back ({e.Message}).", e);
            }
        }

        return backup;
    }

    private static void Restore(string target, string? backup)
    {
        try
        {
            if (backup is null)
            {
                File.Delete(target);
            }
            else
            {
                File.Move(backup, target, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error is rethrown; a failed roll-back cannot be reported better than that.
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "link", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int HardLink(string existing, string newPath);

    private static FileStream CreateTemporary(string path, string target, string temp)
    {
        var folder = Path.GetDirectoryName(target)!;
        try
        {
            return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new OutputFolderNotFoundException($"Cannot write {Describe(path, target)}: the folder '{FolderAsGiven(path, target)}' does not exist.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new OutputPathException($"Cannot write {Describe(path, target)}: files cannot be created in the folder '{folder}' (permission denied).", e);
        }
        catch (IOException e)
        {
            throw new OutputPathException(
                $"Cannot write {Describe(path, target)}: a file cannot be created in the folder '{folder}' ({e.Message.Replace(temp, folder, StringComparison.Ordinal)}).", e);
        }
    }

    private static void KeepPermissions(string target, string temp)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(target))
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The content matters more than the mode; the new file keeps the default mode.
        }
    }

    private static void DeleteQuietly(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error matters more than a leftover temporary file.
        }
    }

    /// <summary>The path as given, plus the link's target when a link was followed.</summary>
    private static string Describe(string path, string target) =>
        string.Equals(Path.GetFullPath(path), target, StringComparison.Ordinal) ? $"'{path}'" : $"'{path}' (a link to '{target}')";

    /// <summary>The folder in the user's own spelling when no link was followed (an empty folder part is the working folder).</summary>
    private static string FolderAsGiven(string path, string target)
    {
        if (!string.Equals(Path.GetFullPath(path), target, StringComparison.Ordinal))
        {
            return Path.GetDirectoryName(target)!;
        }

        var folder = Path.GetDirectoryName(path);
        return string.IsNullOrEmpty(folder) ? "." : folder;
    }
}

/// <summary>An output path that cannot be written: not a regular file, not writable, or links that cannot be followed.</summary>
internal class OutputPathException : IOException
{
    public OutputPathException(string message)
        : base(message)
    {
    }

    public OutputPathException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The folder an output file should go into does not exist.</summary>
internal sealed class OutputFolderNotFoundException(string message, Exception inner) : DirectoryNotFoundException(message, inner);
