using Xwp.IO;

namespace Xwp.Cli;

/// <summary>
/// Checks every output a command will write before the command does any work, so that a long run
/// never ends in "cannot write": the folder exists and takes new files, and the path is a regular
/// file or new (a FIFO, device, socket or folder is refused; a symbolic link is checked at its target).
/// Every command that writes files calls this right after reading its options.
/// </summary>
internal static class OutputPaths
{
    /// <summary>Checks output files, each named by its option; options not given (null paths) are skipped.</summary>
    /// <exception cref="IOException">An output cannot be written; the message names the option and the path.</exception>
    /// <exception cref="UsageException">Two options name the same file.</exception>
    public static void CheckFiles(params (string Option, string? Path)[] outputs)
    {
        var given = outputs.Where(o => o.Path is not null).Select(o => (o.Option, Path: o.Path!)).ToList();
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, path) in given)
        {
            string target;
            try
            {
                AtomicFile.CheckWritable(path);
                target = AtomicFile.ResolveTarget(path);
            }
            catch (DirectoryNotFoundException e)
            {
                throw new DirectoryNotFoundException($"--{option}: {e.Message}", e);
            }
            catch (IOException e)
            {
                throw new IOException($"--{option}: {e.Message}", e);
            }

            if (targets.TryGetValue(target, out var other))
            {
                throw new UsageException($"--{other} and --{option} name the same file ('{path}'); each output needs its own.");
            }

            targets[target] = option;
        }
    }

    /// <summary>
    /// Checks output files as <see cref="CheckFiles(ValueTuple{string, string}[])"/> does, and refuses an output that
    /// names one of the command's input files (the same file after following symbolic links, or a hard link to it), which
    /// writing would overwrite before, or while, it is read.
    /// </summary>
    /// <param name="outputs">The output options and paths (null: not given).</param>
    /// <param name="inputs">The input options and paths (null: not given).</param>
    /// <exception cref="UsageException">An output names an input file, or two outputs name the same file.</exception>
    /// <exception cref="IOException">An output cannot be written.</exception>
    public static void CheckFiles((string Option, string? Path)[] outputs, params (string Option, string? Path)[] inputs)
    {
        foreach (var (option, path) in outputs.Where(o => o.Path is not null))
        {
            var input = inputs.FirstOrDefault(i => i.Path is not null && FileKinds.SameFile(path!, i.Path));
            if (input.Path is not null)
            {
                throw new UsageException(
                    $"--{option} '{path}' is the --{input.Option} file '{input.Path}'; writing it would overwrite an input. Choose another --{option}.");
            }
        }

        CheckFiles(outputs);
    }

    /// <summary>
    /// Checks an output folder: created if missing (with its parents), refused if it is a file, and
    /// probed for writing with <paramref name="probeFile"/>, a file the command will write there.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be used; the message names the option and the path.</exception>
    public static void CheckFolder(string option, string folder, string probeFile)
    {
        var kind = FileKinds.Of(folder);
        if (kind is not (FileKind.Missing or FileKind.Directory))
        {
            throw new IOException($"--{option}: '{folder}' is {FileKinds.Describe(kind)}, not a folder.");
        }

        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--{option}: the folder '{folder}' cannot be created ({e.Message}).", e);
        }

        CheckFiles((option, Path.Combine(folder, probeFile)));
    }
}
