using System.Diagnostics;
using FluentAssertions;
using Xunit;
using Xwp.Native;

namespace Xwp.Tests.Native;

public class OpenMpDefaultsTests
{
    // Each test uses a variable of its own, so that nothing here changes the process's OpenMP settings.
    private static string FreshName() => "XWP_TEST_" + Guid.NewGuid().ToString("N");

    [LinuxFact]
    public void SetDefault_sets_the_native_environment_that_dotnet_does_not()
    {
        var name = FreshName();
        OpenMpDefaults.GetNative(name).Should().BeNull();

        var (value, setByUs) = OpenMpDefaults.SetDefault(name, "PASSIVE");

        (value, setByUs).Should().Be(("PASSIVE", true));
        OpenMpDefaults.GetNative(name).Should().Be("PASSIVE", "libgomp reads the C library's environment");
        Environment.GetEnvironmentVariable(name).Should().Be("PASSIVE", ".NET's copy agrees, so child processes inherit it");
    }

    [LinuxFact]
    public void Environment_SetEnvironmentVariable_alone_does_not_reach_the_native_environment_but_SetDefault_copies_it_across()
    {
        var name = FreshName();
        Environment.SetEnvironmentVariable(name, "ACTIVE");
        OpenMpDefaults.GetNative(name).Should().BeNull("this is why Xwp calls libc's setenv");

        var (value, setByUs) = OpenMpDefaults.SetDefault(name, "PASSIVE");

        (value, setByUs).Should().Be(("ACTIVE", false), "a policy the program chose is kept");
        OpenMpDefaults.GetNative(name).Should().Be("ACTIVE");
        Environment.SetEnvironmentVariable(name, null);
    }

    [LinuxFact]
    public void SetDefault_keeps_a_value_already_in_the_native_environment()
    {
        var name = FreshName();
        OpenMpDefaults.SetDefault(name, "active");

        OpenMpDefaults.SetDefault(name, "PASSIVE").Should().Be(("active", false));
        OpenMpDefaults.GetNative(name).Should().Be("active");
    }

    [LinuxFact]
    public void SetDefault_sets_nothing_when_it_is_too_late()
    {
        var name = FreshName();

        OpenMpDefaults.SetDefault(name, "PASSIVE", allowSet: false).Should().Be(((string?)null, false));
        OpenMpDefaults.GetNative(name).Should().BeNull();
    }

    [LinuxFact]
    public void The_OpenMP_runtime_is_seen_in_this_process_once_torch_is_loaded()
    {
        XwpRuntime.EnsureInitialized();
        using var t = TorchSharp.torch.ones(4);
        t.sum().item<float>().Should().Be(4f);

        OpenMpDefaults.OpenMpRuntimeLoaded().Should().BeTrue("TorchSharp-cpu's libtorch links its bundled libgomp");
    }

    [Fact]
    public void WaitPolicy_describes_each_source_in_one_line()
    {
        new WaitPolicy("PASSIVE", WaitPolicySource.Xwp).ToString().Should().Be(
            "OpenMP wait policy: PASSIVE (Xwp's default: idle torch threads sleep instead of spinning; set OMP_WAIT_POLICY=ACTIVE to let them spin)");
        new WaitPolicy("active", WaitPolicySource.User).ToString().Should().Be("OpenMP wait policy: active (from OMP_WAIT_POLICY)");
        new WaitPolicy(null, WaitPolicySource.TooLate).ToString().Should().StartWith(
            "OpenMP wait policy: the OpenMP runtime's default (spin, then sleep), because torch was loaded before Xwp");
        new WaitPolicy(null, WaitPolicySource.NotApplicable).ToString().Should().Contain("only on Linux");
    }

    [LinuxTheory]
    [InlineData(null, "0", "OpenMP wait policy: PASSIVE (Xwp's default")]
    [InlineData("active", "30000000000", "OpenMP wait policy: active (from OMP_WAIT_POLICY)")]
    public void Xwp_info_reports_the_policy_that_libgomp_itself_read(string? userPolicy, string spinCount, string infoLine)
    {
        // OMP_DISPLAY_ENV=verbose makes libgomp print the settings it read when it was loaded, on standard error.
        // Its OMP_WAIT_POLICY line says PASSIVE both when the variable is unset and when it is PASSIVE; the spin
        // count tells them apart: 0 under PASSIVE, 300000 when unset (libgomp's default), 3e10 under ACTIVE.
        var bin = AppContext.BaseDirectory;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "exec", "--runtimeconfig", Path.Combine(bin, "Xwp.Tests.runtimeconfig.json"), Path.Combine(bin, "Xwp.Cli.dll"), "info" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("OMP_WAIT_POLICY");
        info.Environment.Remove("GOMP_SPINCOUNT");
        if (userPolicy is not null)
        {
            info.Environment["OMP_WAIT_POLICY"] = userPolicy;
        }

        info.Environment["OMP_DISPLAY_ENV"] = "verbose";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        process.ExitCode.Should().Be(0, stderr.Result);
        stdout.Should().Contain(infoLine);
        stderr.Result.Should().Contain($"GOMP_SPINCOUNT = '{spinCount}'");
    }
}
