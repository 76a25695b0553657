using System.Diagnostics;
using System.Net.Sockets;
using FluentAssertions;
using Xunit;
using Xwp.IO;
using Xwp.Tests.Native;

namespace Xwp.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Writes_a_new_file_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_dir, "a.bin");

        AtomicFile.Write(path, [1, 2, 3]);

        File.ReadAllBytes(path).Should().Equal(1, 2, 3);
        Directory.GetFileSystemEntries(_dir).Should().Equal(path);
    }

    [LinuxFact]
    public void A_symlink_is_written_through_to_its_target_and_stays_a_link()
    {
        var targetFolder = Directory.CreateDirectory(Path.Combine(_dir, "real")).FullName;
        var target = Path.Combine(targetFolder, "a.bin");
        File.WriteAllBytes(target, [9, 9, 9, 9]);
        var link = Path.Combine(_dir, "link.bin");
        File.CreateSymbolicLink(link, target);

        AtomicFile.Write(link, [1, 2]);

        new FileInfo(link).LinkTarget.Should().Be(target, "the link itself is not replaced");
        File.ReadAllBytes(target).Should().Equal(1, 2);
        Directory.GetFileSystemEntries(_dir).Should().BeEquivalentTo([link, targetFolder]);
        Directory.GetFileSystemEntries(targetFolder).Should().Equal([target], "the temporary file went beside the target and is gone");
    }

    [LinuxFact]
    public void A_chain_of_relative_links_is_followed_to_the_end_and_a_dangling_end_is_created()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub")).FullName;
        var first = Path.Combine(_dir, "first.bin");
        var second = Path.Combine(sub, "second.bin");
        File.CreateSymbolicLink(first, "sub/second.bin");
        File.CreateSymbolicLink(second, "../final.bin"); // dangles: final.bin does not exist yet

        AtomicFile.Write(first, [7]);

        File.ReadAllBytes(Path.Combine(_dir, "final.bin")).Should().Equal(7);
        new FileInfo(first).LinkTarget.Should().Be("sub/second.bin");
        new FileInfo(second).LinkTarget.Should().Be("../final.bin");
    }

    [LinuxFact]
    public void A_link_cycle_is_refused_with_the_path()
    {
        var a = Path.Combine(_dir, "a.bin");
        var b = Path.Combine(_dir, "b.bin");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);

        var act = () => AtomicFile.Write(a, [1]);

        act.Should().Throw<IOException>().WithMessage($"Cannot write '{a}': its symbolic links cannot be followed*");
        new FileInfo(a).LinkTarget.Should().Be(b);
    }

    [LinuxFact]
    public void A_fifo_is_refused_with_a_message_and_left_untouched()
    {
        var fifo = Path.Combine(_dir, "pipe");
        Run("mkfifo", fifo);

        var act = () => AtomicFile.Write(fifo, [1]);

        act.Should().Throw<IOException>()
            .WithMessage($"Cannot write '{fifo}': it is a FIFO (named pipe), not a regular file.*give the path of a regular file.");
        FileKinds.Of(fifo).Should().Be(FileKind.Fifo);
        Directory.GetFileSystemEntries(_dir).Should().Equal(fifo);
    }

    [LinuxFact]
    public void A_link_to_a_fifo_is_refused_naming_both()
    {
        var fifo = Path.Combine(_dir, "pipe");
        Run("mkfifo", fifo);
        var link = Path.Combine(_dir, "out.npy");
        File.CreateSymbolicLink(link, fifo);

        var act = () => AtomicFile.Write(link, [1]);

        act.Should().Throw<IOException>().WithMessage($"Cannot write '{link}' (a link to '{fifo}'): it is a FIFO (named pipe)*");
        FileKinds.Of(fifo).Should().Be(FileKind.Fifo);
    }

    [LinuxFact]
    public void A_character_device_is_refused_and_left_untouched()
    {
        // A private copy of /dev/null's node (major 1, minor 3), so that a failure here could never replace the real one.
        var device = Path.Combine(_dir, "null");
        if (!TryRun("mknod", device, "c", "1", "3"))
        {
            FileKinds.Of("/dev/null").Should().Be(FileKind.CharacterDevice);
            return;
        }

        var act = () => AtomicFile.Write(device, [1]);

        act.Should().Throw<IOException>().WithMessage($"Cannot write '{device}': it is a character device, not a regular file.*");
        FileKinds.Of(device).Should().Be(FileKind.CharacterDevice);
        Directory.GetFileSystemEntries(_dir).Should().Equal(device);
    }

    [LinuxFact]
    public void A_socket_and_a_folder_are_refused()
    {
        var socketPath = Path.Combine(_dir, "s.sock");
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            FileKinds.Of(socketPath).Should().Be(FileKind.Socket);
            var toSocket = () => AtomicFile.Write(socketPath, [1]);
            toSocket.Should().Throw<IOException>().WithMessage("*it is a socket, not a regular file*");
        }

        var folder = Directory.CreateDirectory(Path.Combine(_dir, "folder")).FullName;
        var toFolder = () => AtomicFile.Write(folder, [1]);
        toFolder.Should().Throw<IOException>().WithMessage($"Cannot write '{folder}': it is a folder, not a regular file*");
        Directory.Exists(folder).Should().BeTrue();
    }

    [Fact]
    public void A_missing_folder_is_reported_with_the_users_path_not_the_temporary_file()
    {
        var missing = Path.Combine(_dir, "no-such-folder");
        var path = Path.Combine(missing, "A.npy");

        var act = () => AtomicFile.Write(path, [1]);

        var error = act.Should().Throw<DirectoryNotFoundException>()
            .WithMessage($"Cannot write '{path}': the folder '{missing}' does not exist.").Which;
        error.Message.Should().NotContain(".tmp");
        Directory.Exists(missing).Should().BeFalse();
    }

    [Fact]
    public void A_relative_path_in_a_missing_folder_is_reported_as_typed()
    {
        var relative = Path.Combine("xwp-missing-" + Guid.NewGuid().ToString("N"), "A.npy");

        var act = () => AtomicFile.Write(relative, [1]);

        act.Should().Throw<DirectoryNotFoundException>()
            .WithMessage($"Cannot write '{relative}': the folder '{Path.GetDirectoryName(relative)}' does not exist.");
    }

    [LinuxFact]
    public void A_folder_where_no_file_can_be_created_is_reported_with_the_users_path()
    {
        // sysfs refuses new files to everyone, root included (EACCES, or EROFS where it is mounted read-only).
        var path = "/sys/xwp-test-" + Guid.NewGuid().ToString("N") + ".npy";

        var act = () => AtomicFile.Write(path, [1]);

        var error = act.Should().Throw<IOException>().WithMessage($"Cannot write '{path}': *the folder '/sys' (*).").Which;
        error.Message.Should().NotContain(".tmp");
        File.Exists(path).Should().BeFalse();
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Replacing_a_file_keeps_its_permission_bits()
    {
        var path = Path.Combine(_dir, "a.bin");
        File.WriteAllBytes(path, [0]);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, mode);

        AtomicFile.Write(path, [1]);

        File.GetUnixFileMode(path).Should().Be(mode);
        File.ReadAllBytes(path).Should().Equal(1);
    }

    [Fact]
    public void An_error_from_the_writer_leaves_the_old_file_and_no_temporary_file()
    {
        var path = Path.Combine(_dir, "a.bin");
        File.WriteAllBytes(path, [5, 5]);

        var act = () => AtomicFile.Write(path, _ => throw new InvalidOperationException("boom"));

        act.Should().Throw<InvalidOperationException>().WithMessage("boom");
        File.ReadAllBytes(path).Should().Equal(5, 5);
        Directory.GetFileSystemEntries(_dir).Should().Equal(path);
    }

    [Fact]
    public void CheckWritable_accepts_a_new_or_regular_file_and_changes_nothing()
    {
        var existing = Path.Combine(_dir, "a.bin");
        File.WriteAllBytes(existing, [3]);

        AtomicFile.CheckWritable(existing);
        AtomicFile.CheckWritable(Path.Combine(_dir, "new.bin"));

        File.ReadAllBytes(existing).Should().Equal(3);
        Directory.GetFileSystemEntries(_dir).Should().Equal(existing);
    }

    [LinuxFact]
    public void CheckWritable_refuses_what_Write_refuses()
    {
        var fifo = Path.Combine(_dir, "pipe");
        Run("mkfifo", fifo);
        var missing = Path.Combine(_dir, "nope", "A.npy");

        ((Action)(() => AtomicFile.CheckWritable(fifo))).Should().Throw<IOException>().WithMessage("*it is a FIFO (named pipe)*");
        ((Action)(() => AtomicFile.CheckWritable(missing))).Should().Throw<DirectoryNotFoundException>()
            .WithMessage($"Cannot write '{missing}': the folder '{Path.Combine(_dir, "nope")}' does not exist.");
        Directory.GetFileSystemEntries(_dir).Should().Equal(fifo);
    }

    [Fact]
    public void WriteAll_writes_every_file()
    {
        var a = Path.Combine(_dir, "a.bin");
        var b = Path.Combine(_dir, "b.bin");
        File.WriteAllBytes(a, [0]);

        AtomicFile.WriteAll([(a, s => s.Write([1, 1])), (b, s => s.Write([2]))]);

        File.ReadAllBytes(a).Should().Equal(1, 1);
        File.ReadAllBytes(b).Should().Equal(2);
        Directory.GetFileSystemEntries(_dir).Should().BeEquivalentTo([a, b], "no temporary or backup file is left");
    }

    [Fact]
    public void WriteAll_changes_nothing_when_the_second_file_cannot_be_written()
    {
        var a = Path.Combine(_dir, "a.bin");
        File.WriteAllBytes(a, [7, 7]);
        var b = Path.Combine(_dir, "missing", "b.bin");

        var act = () => AtomicFile.WriteAll([(a, s => s.Write([1])), (b, s => s.Write([2]))]);

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"Cannot write '{b}'*");
        File.ReadAllBytes(a).Should().Equal(7, 7);
        Directory.GetFileSystemEntries(_dir).Should().Equal(a);
    }

    [Fact]
    public void WriteAll_rolls_back_the_renamed_files_when_a_later_rename_fails()
    {
        var existing = Path.Combine(_dir, "existing.bin");
        var created = Path.Combine(_dir, "created.bin");
        var third = Path.Combine(_dir, "third.bin");
        File.WriteAllBytes(existing, [7, 7]);
        var moves = 0;
        void FailThirdMove(string from, string to)
        {
            if (++moves == 3)
            {
                throw new IOException("rename failed");
            }

            File.Move(from, to, overwrite: true);
        }

        var act = () => AtomicFile.WriteAll(
            [(existing, s => s.Write([1])), (created, s => s.Write([2])), (third, s => s.Write([3]))], FailThirdMove);

        act.Should().Throw<IOException>().WithMessage("rename failed");
        moves.Should().Be(3, "the first two renames happened before the third failed");
        File.ReadAllBytes(existing).Should().Equal([7, 7], "the replaced file got its old content back");
        File.Exists(created).Should().BeFalse("a file that did not exist before is removed again");
        Directory.GetFileSystemEntries(_dir).Should().Equal([existing], "no temporary or backup file is left");
    }

    [LinuxFact]
    public void WriteAll_refuses_two_names_of_one_file()
    {
        var a = Path.Combine(_dir, "a.bin");
        var link = Path.Combine(_dir, "link.bin");
        File.CreateSymbolicLink(link, a);

        var act = () => AtomicFile.WriteAll([(a, s => s.Write([1])), (link, s => s.Write([2]))]);

        act.Should().Throw<ArgumentException>().WithMessage($"'{a}' and '{link}' name the same file*");
        File.Exists(a).Should().BeFalse();
    }

    private static void Run(string program, params string[] args)
    {
        TryRun(program, args).Should().BeTrue($"{program} {string.Join(' ', args)} should succeed");
    }

    private static bool TryRun(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
