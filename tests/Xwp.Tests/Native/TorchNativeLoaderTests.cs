using FluentAssertions;
using Xunit;
using Xwp.Native;
using static TorchSharp.torch;

namespace Xwp.Tests.Native;

public class TorchNativeLoaderTests
{
    private const string Library = "/app/bin/libLibTorchSharp.so";

    // What .NET's NativeLibrary.Load reports on Debian 12 (glibc 2.36, libstdc++ of GCC 12).
    private const string DebianError =
        "Unable to load shared library '/app/bin/libLibTorchSharp.so' or one of its dependencies. In order to help " +
        "diagnose loading problems, consider using a tool like strace. If you're using glibc, consider setting the " +
        "LD_DEBUG environment variable: \n/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found " +
        "(required by /app/bin/libLibTorchSharp.so)";

    // ---- MissingVersion ---------------------------------------------------------------------

    [Fact]
    public void MissingVersion_reads_the_version_from_glibcs_message()
    {
        TorchNativeLoader.MissingVersion(DebianError, Library).Should().Be("GLIBCXX_3.4.32");
    }

    [Fact]
    public void MissingVersion_matches_the_library_by_file_name_so_the_copy_in_the_cache_counts_too()
    {
        var error = DebianError.Replace("(required by /app/bin/", "(required by /home/u/.cache/xwp/native/2399008-1/", StringComparison.Ordinal);

        TorchNativeLoader.MissingVersion(error, "/home/u/.cache/xwp/native/2399008-1/libLibTorchSharp.so").Should().Be("GLIBCXX_3.4.32");
        TorchNativeLoader.MissingVersion(error, Library).Should().Be("GLIBCXX_3.4.32");
    }

    [Fact]
    public void MissingVersion_is_null_when_another_library_needs_the_version()
    {
        var error = "/app/bin/libtorch_cpu.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found " +
            "(required by /app/bin/libtorch_cpu.so)";

        TorchNativeLoader.MissingVersion(error, Library).Should().BeNull();
    }

    [Fact]
    public void MissingVersion_is_null_for_other_loader_errors()
    {
        TorchNativeLoader.MissingVersion("libtorch.so: cannot open shared object file: No such file or directory", Library)
            .Should().BeNull();
        TorchNativeLoader.MissingVersion("/app/bin/libLibTorchSharp.so: undefined symbol: _ZN3c104cuda9SetDeviceEi", Library)
            .Should().BeNull();
        TorchNativeLoader.MissingVersion("", Library).Should().BeNull();
    }

    [Fact]
    public void MissingVersion_reads_other_versions_and_libraries_too()
    {
        var error = "/lib64/libc.so.6: version `GLIBC_2.38' not found (required by /opt/x/libLibTorchSharp.so)";

        TorchNativeLoader.MissingVersion(error, "/elsewhere/libLibTorchSharp.so").Should().Be("GLIBC_2.38");
    }

    // ---- CopyPath ---------------------------------------------------------------------------

    [Fact]
    public void CopyPath_is_keyed_by_size_and_modification_time_and_named_like_the_original()
    {
        using var dir = new TempDirectory();
        var original = Path.Combine(dir.Path, "original.so");
        File.WriteAllBytes(original, new byte[1234]);
        var mtime = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1230);
        File.SetLastWriteTimeUtc(original, mtime);
        var cache = Path.Combine(dir.Path, "cache");

        var path = TorchNativeLoader.CopyPath(original, cache);

        path.Should().Be(Path.Combine(cache, $"1234-{mtime.Ticks}", "libLibTorchSharp.so"));
        TorchNativeLoader.CopyPath(original, cache).Should().Be(path);
        Directory.Exists(cache).Should().BeFalse("working out the path creates nothing");
    }

    [Fact]
    public void CopyPath_changes_when_the_modification_time_changes()
    {
        using var dir = new TempDirectory();
        var original = Path.Combine(dir.Path, "original.so");
        File.WriteAllBytes(original, new byte[100]);
        File.SetLastWriteTimeUtc(original, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var before = TorchNativeLoader.CopyPath(original, dir.Path);

        File.SetLastWriteTimeUtc(original, new DateTime(2024, 1, 1, 0, 0, 1, DateTimeKind.Utc));
        var after = TorchNativeLoader.CopyPath(original, dir.Path);

        after.Should().NotBe(before);
        Path.GetFileName(Path.GetDirectoryName(before)).Should().Be($"100-{new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks}");
        Path.GetFileName(Path.GetDirectoryName(after)).Should().Be($"100-{new DateTime(2024, 1, 1, 0, 0, 1, DateTimeKind.Utc).Ticks}");
    }

    [Fact]
    public void CopyPath_changes_when_the_size_changes()
    {
        using var dir = new TempDirectory();
        var original = Path.Combine(dir.Path, "original.so");
        var mtime = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.WriteAllBytes(original, new byte[100]);
        File.SetLastWriteTimeUtc(original, mtime);
        var before = TorchNativeLoader.CopyPath(original, dir.Path);

        File.WriteAllBytes(original, new byte[101]);
        File.SetLastWriteTimeUtc(original, mtime);

        TorchNativeLoader.CopyPath(original, dir.Path).Should().NotBe(before).And.Contain($"{Path.DirectorySeparatorChar}101-");
    }

    // ---- WriteAtomically --------------------------------------------------------------------

    [Fact]
    public void WriteAtomically_creates_the_folders_and_leaves_no_temporary_files()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "a", "b", "libLibTorchSharp.so");

        TorchNativeLoader.WriteAtomically(path, [1, 2, 3]);

        File.ReadAllBytes(path).Should().Equal(1, 2, 3);
        Directory.GetFileSystemEntries(Path.Combine(dir.Path, "a", "b")).Should().Equal(path);
    }

    [Fact]
    public void WriteAtomically_replaces_an_existing_file()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "libLibTorchSharp.so");
        File.WriteAllBytes(path, new byte[5000]);

        TorchNativeLoader.WriteAtomically(path, [9, 8]);
        TorchNativeLoader.WriteAtomically(path, [7]);

        File.ReadAllBytes(path).Should().Equal(7);
        Directory.GetFileSystemEntries(dir.Path).Should().Equal(path);
    }

    // ---- DefaultCacheDirectory ----------------------------------------------------------------

    [Fact]
    public void DefaultCacheDirectory_honours_XWP_NATIVE_CACHE()
    {
        using var env = new EnvironmentScope()
            .Set("XWP_NATIVE_CACHE", "/somewhere/native-cache")
            .Set("XDG_CACHE_HOME", "/xdg");

        TorchNativeLoader.DefaultCacheDirectory().Should().Be("/somewhere/native-cache");
    }

    [Fact]
    public void DefaultCacheDirectory_restores_cleanly_after_XWP_NATIVE_CACHE_is_set()
    {
        var before = TorchNativeLoader.DefaultCacheDirectory();
        var variable = Environment.GetEnvironmentVariable("XWP_NATIVE_CACHE");

        using (new EnvironmentScope().Set("XWP_NATIVE_CACHE", "/tmp/other"))
        {
            TorchNativeLoader.DefaultCacheDirectory().Should().Be("/tmp/other");
        }

        Environment.GetEnvironmentVariable("XWP_NATIVE_CACHE").Should().Be(variable);
        TorchNativeLoader.DefaultCacheDirectory().Should().Be(before);
    }

    [Fact]
    public void DefaultCacheDirectory_falls_back_to_XDG_CACHE_HOME()
    {
        using var env = new EnvironmentScope()
            .Set("XWP_NATIVE_CACHE", "  ")
            .Set("XDG_CACHE_HOME", "/xdg");

        TorchNativeLoader.DefaultCacheDirectory().Should().Be(Path.Combine("/xdg", "xwp", "native"));
    }

    [LinuxFact]
    public void DefaultCacheDirectory_falls_back_to_dot_cache_in_the_home_folder()
    {
        using var home = new TempDirectory();
        using var env = new EnvironmentScope()
            .Set("XWP_NATIVE_CACHE", null)
            .Set("XDG_CACHE_HOME", null)
            .Set("HOME", home.Path);

        TorchNativeLoader.DefaultCacheDirectory().Should().Be(Path.Combine(home.Path, ".cache", "xwp", "native"));
    }

    [LinuxFact]
    public void DefaultCacheDirectory_falls_back_to_the_temporary_folder_without_a_home_folder()
    {
        // .NET reports no user profile folder when $HOME does not exist.
        using var env = new EnvironmentScope()
            .Set("XWP_NATIVE_CACHE", null)
            .Set("XDG_CACHE_HOME", "")
            .Set("HOME", "/nonexistent-" + Guid.NewGuid().ToString("N"));

        TorchNativeLoader.DefaultCacheDirectory().Should().Be(Path.Combine(Path.GetTempPath(), "xwp-native-" + Environment.UserName));
    }

    // ---- MissingBackend ---------------------------------------------------------------------

    [Fact]
    public void MissingBackend_names_the_package_to_add_when_libtorch_is_in_no_searched_folder()
    {
        using var dir = new TempDirectory();
        var app = Directory.CreateDirectory(Path.Combine(dir.Path, "app")).FullName;
        var runtimes = Path.Combine(app, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(runtimes);
        var bindings = Path.Combine(runtimes, "libLibTorchSharp.so");
        File.WriteAllBytes(bindings, [0]);
        File.WriteAllBytes(Path.Combine(app, "libtorch_cpu.so.bak"), [0]); // a near miss is not libtorch

        var message = TorchNativeLoader.MissingBackend(bindings, [app, runtimes + "/"]);

        message.Should().Be(
            $"TorchSharp's native backend (libtorch) is missing from this application: '{bindings}' is there, but " +
            $"libtorch_cpu.so is in none of '{runtimes}', '{app}'. The TorchSharp package carries only the .NET bindings; " +
            "add a backend package of the same version as TorchSharp (0.107.0) to the application's project: TorchSharp-cpu " +
            "for CPUs (dotnet add package TorchSharp-cpu --version 0.107.0), or TorchSharp-cuda-linux / TorchSharp-cuda-windows " +
            "for NVIDIA GPUs.");
    }

    [Fact]
    public void MissingBackend_is_null_when_libtorch_cpu_is_beside_the_bindings_or_in_a_searched_folder()
    {
        using var dir = new TempDirectory();
        var bindings = Path.Combine(dir.Path, "libLibTorchSharp.so");
        File.WriteAllBytes(bindings, [0]);
        var other = Directory.CreateDirectory(Path.Combine(dir.Path, "other")).FullName;
        File.WriteAllBytes(Path.Combine(other, "libtorch_cpu.so"), [0]);

        TorchNativeLoader.MissingBackend(bindings, [other]).Should().BeNull();
        TorchNativeLoader.MissingBackend(Path.Combine(other, "libLibTorchSharp.so"), []).Should().BeNull();
        TorchNativeLoader.MissingBackend(bindings, []).Should().Contain("TorchSharp-cpu");
    }

    [LinuxFact]
    public void MissingBackend_is_null_for_this_test_application_which_references_TorchSharp_cpu()
    {
        TorchNativeLoader.MissingBackend(Fixture.LibraryPath, TorchNativeLoader.SearchDirectories()).Should().BeNull();
    }

    [LinuxFact]
    public void An_application_without_a_backend_package_is_told_to_add_TorchSharp_cpu()
    {
        // The managed assemblies and libLibTorchSharp.so of this test run, without libtorch: what an app that
        // references Xwp (and so TorchSharp) but no TorchSharp-cpu gets. `xwp info` is run there in a new process.
        using var dir = new TempDirectory();
        var bin = AppContext.BaseDirectory;
        foreach (var file in Directory.GetFiles(bin, "*.dll").Append(Fixture.LibraryPath))
        {
            File.Copy(file, Path.Combine(dir.Path, Path.GetFileName(file)));
        }

        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir.Path,
        };
        foreach (var arg in new[] { "exec", "--runtimeconfig", Path.Combine(bin, "Xwp.Tests.runtimeconfig.json"), Path.Combine(dir.Path, "Xwp.Cli.dll"), "info" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        process.ExitCode.Should().Be(1, $"stdout: {stdout.Result}\nstderr: {stderr}");
        stderr.Should().StartWith($"xwp info: TorchSharp's native backend (libtorch) is missing from this application: '{Path.Combine(dir.Path, "libLibTorchSharp.so")}' is there")
            .And.Contain("TorchSharp-cpu")
            .And.NotContain("GLIBCXX");
        Directory.GetFiles(dir.Path, "libtorch*").Should().BeEmpty();
    }

    // ---- NativeLoadResult -------------------------------------------------------------------

    [Fact]
    public void NativeLoadResult_describes_each_outcome_in_one_line()
    {
        new NativeLoadResult(NativeLoadOutcome.NotNeeded, null, null, []).ToString()
            .Should().Be("TorchSharp native library: loaded by TorchSharp (not Linux).");
        new NativeLoadResult(NativeLoadOutcome.LibraryNotFound, null, null, []).ToString()
            .Should().Be("TorchSharp native library: libLibTorchSharp.so not found next to the application.");
        new NativeLoadResult(NativeLoadOutcome.LoadedAsIs, "/a/lib.so", "/a/lib.so", []).ToString()
            .Should().Be("TorchSharp native library: /a/lib.so (as shipped).");
        new NativeLoadResult(NativeLoadOutcome.LoadedPatchedCopy, "/a/lib.so", "/c/lib.so", ["V1", "V2"]).ToString()
            .Should().Be("TorchSharp native library: /c/lib.so, a copy of /a/lib.so with V1, V2 marked weak.");
    }

    // ---- The whole path, in this process ----------------------------------------------------
    //
    // Load is safe to repeat in-process: glibc refcounts libraries already loaded. A copy in a
    // new cache folder is, for glibc, another file, so each such test maps one more copy of
    // libLibTorchSharp.so (2.4 MB); TorchSharp keeps using the one it bound first.

    [LinuxFact]
    public void FindOriginal_finds_the_shipped_library_next_to_the_tests()
    {
        TorchNativeLoader.FindOriginal().Should().Be(Fixture.LibraryPath);
    }

    [LinuxFact]
    public void The_module_initializer_loaded_the_library_the_way_this_system_needs()
    {
        var result = XwpRuntime.NativeLoadResult;

        result.Should().NotBeNull();
        result!.OriginalPath.Should().Be(Fixture.LibraryPath);
        if (Fixture.SystemLibStdCxxProvidesMarkerVersion())
        {
            result.Outcome.Should().Be(NativeLoadOutcome.LoadedAsIs);
        }
        else
        {
            result.Outcome.Should().Be(NativeLoadOutcome.LoadedPatchedCopy);
            result.WeakenedVersions.Should().Equal(Fixture.MarkerVersion);
            Fixture.MappedLibraries().Should().Contain(result.LoadedPath);
        }

        XwpRuntime.NativeLibraryDescription.Should().Be(result.ToString());
    }

    [LinuxFact]
    public void Load_patches_a_copy_into_the_cache_exactly_when_libstdcxx_lacks_GLIBCXX_3_4_32()
    {
        var shipped = Fixture.ReadBytes();
        var shippedTime = File.GetLastWriteTimeUtc(Fixture.LibraryPath);
        using var cache = new TempDirectory();

        var result = TorchNativeLoader.Load(cacheDirectory: cache.Path);

        result.OriginalPath.Should().Be(Fixture.LibraryPath);
        Fixture.ReadBytes().Should().Equal(shipped, "the shipped library is never modified");
        File.GetLastWriteTimeUtc(Fixture.LibraryPath).Should().Be(shippedTime);
        if (Fixture.SystemLibStdCxxProvidesMarkerVersion())
        {
            result.Should().BeEquivalentTo(new NativeLoadResult(NativeLoadOutcome.LoadedAsIs, Fixture.LibraryPath, Fixture.LibraryPath, []));
            Directory.GetFileSystemEntries(cache.Path).Should().BeEmpty();
        }
        else
        {
            var copy = TorchNativeLoader.CopyPath(Fixture.LibraryPath, cache.Path);
            result.Outcome.Should().Be(NativeLoadOutcome.LoadedPatchedCopy);
            result.LoadedPath.Should().Be(copy);
            result.WeakenedVersions.Should().Equal(Fixture.MarkerVersion);
            File.ReadAllBytes(copy).Should().Equal(ExpectedPatchedBytes());
            Directory.GetFileSystemEntries(Path.GetDirectoryName(copy)!).Should().Equal(copy);
            Fixture.MappedLibraries().Should().Contain(copy, "glibc loaded the copy from the cache folder");
        }

        // TorchSharp still works after the extra load.
        using var t = ones(2, 3);
        t.sum().item<float>().Should().Be(6f);
    }

    [LinuxFact]
    public void Load_again_reuses_the_cached_copy_without_rewriting_it()
    {
        using var cache = new TempDirectory();
        var first = TorchNativeLoader.Load(cacheDirectory: cache.Path);
        if (first.Outcome == NativeLoadOutcome.LoadedAsIs)
        {
            TorchNativeLoader.Load(cacheDirectory: cache.Path).Should().BeEquivalentTo(first);
            Directory.GetFileSystemEntries(cache.Path).Should().BeEmpty();
            return;
        }

        // A sentinel modification time: a rewrite would set it to now.
        var sentinel = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(first.LoadedPath!, sentinel);

        var second = TorchNativeLoader.Load(cacheDirectory: cache.Path);

        second.Should().BeEquivalentTo(first);
        File.GetLastWriteTimeUtc(second.LoadedPath!).Should().Be(sentinel);
        File.ReadAllBytes(second.LoadedPath!).Should().Equal(ExpectedPatchedBytes());
    }

    [LinuxFact]
    public void Load_rebuilds_a_damaged_copy_in_the_cache()
    {
        using var cache = new TempDirectory();
        var copy = TorchNativeLoader.CopyPath(Fixture.LibraryPath, cache.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllBytes(copy, Fixture.ReadBytes().AsSpan(0, 100_000).ToArray()); // an interrupted copy

        var result = TorchNativeLoader.Load(cacheDirectory: cache.Path);

        if (result.Outcome == NativeLoadOutcome.LoadedAsIs)
        {
            result.LoadedPath.Should().Be(Fixture.LibraryPath);
            return;
        }

        result.Outcome.Should().Be(NativeLoadOutcome.LoadedPatchedCopy);
        result.LoadedPath.Should().Be(copy);
        File.ReadAllBytes(copy).Should().Equal(ExpectedPatchedBytes());
    }

    [LinuxFact]
    public void Load_patches_an_unpatched_copy_found_in_the_cache()
    {
        using var cache = new TempDirectory();
        var copy = TorchNativeLoader.CopyPath(Fixture.LibraryPath, cache.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Fixture.LibraryPath, copy);

        var result = TorchNativeLoader.Load(cacheDirectory: cache.Path);

        if (result.Outcome == NativeLoadOutcome.LoadedAsIs)
        {
            result.LoadedPath.Should().Be(Fixture.LibraryPath);
            return;
        }

        result.LoadedPath.Should().Be(copy);
        result.WeakenedVersions.Should().Equal(Fixture.MarkerVersion);
        File.ReadAllBytes(copy).Should().Equal(ExpectedPatchedBytes());
    }

    [LinuxFact]
    public void Load_replaces_a_cached_copy_that_differs_from_the_original_beyond_the_weak_flag()
    {
        using var cache = new TempDirectory();
        var copy = TorchNativeLoader.CopyPath(Fixture.LibraryPath, cache.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var planted = ExpectedPatchedBytes();
        planted[planted.Length - 1] ^= 0x5a; // a well-formed ELF, but not what we would have written
        File.WriteAllBytes(copy, planted);

        var result = TorchNativeLoader.Load(cacheDirectory: cache.Path);

        if (result.Outcome == NativeLoadOutcome.LoadedAsIs)
        {
            return;
        }

        File.ReadAllBytes(copy).Should().Equal(ExpectedPatchedBytes());
    }

    [Fact]
    public void IsFaithfulCopy_accepts_only_added_weak_flags()
    {
        var original = ElfImage.Parse(Fixture.ReadBytes(), "original");
        TorchNativeLoader.IsFaithfulCopy(ElfImage.Parse(Fixture.ReadBytes(), "same"), original).Should().BeTrue();
        TorchNativeLoader.IsFaithfulCopy(ElfImage.Parse(ExpectedPatchedBytes(), "patched"), original).Should().BeTrue();

        var otherFlag = Fixture.ReadBytes();
        otherFlag[Fixture.MarkerFlagsOffset] |= 0x1;
        TorchNativeLoader.IsFaithfulCopy(ElfImage.Parse(otherFlag, "other flag"), original).Should().BeFalse();

        var elsewhere = ExpectedPatchedBytes();
        elsewhere[0x1000] ^= 0xff;
        TorchNativeLoader.IsFaithfulCopy(ElfImage.Parse(elsewhere, "elsewhere"), original).Should().BeFalse();
    }

    private static byte[] ExpectedPatchedBytes()
    {
        var bytes = Fixture.ReadBytes();
        bytes[Fixture.MarkerFlagsOffset] |= (byte)ElfImage.VersionFlagWeak;
        return bytes;
    }
}
