using System.Reflection;
using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Commands;

namespace Xwp.Tests.Cli;

/// <summary>`xwp --version` and `xwp version` print the assembly's informational version and exit 0.</summary>
public sealed class VersionTests
{
    private static (int Code, string Output, string Errors) Xwp(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = TopLevel.Run(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public void Version_prints_the_informational_version_and_exits_0(string word)
    {
        var assembly = typeof(ExplainCommand).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        var version = assembly.GetName().Version!;

        var (code, output, errors) = Xwp(word);

        code.Should().Be(0);
        errors.Should().BeEmpty();
        output.Should().Be($"xwp {informational}{Environment.NewLine}");
        // The package version (Directory.Build.props' XwpVersion) leads, whatever the build appends after '+'.
        informational.Should().StartWith($"{version.Major}.{version.Minor}.{version.Build}");
    }

    [Fact]
    public void Version_with_more_arguments_is_a_usage_error()
    {
        var (code, output, errors) = Xwp("--version", "explain");

        code.Should().Be(FailureReport.Usage);
        output.Should().BeEmpty();
        errors.Should().Be($"xwp: --version takes no arguments; 'explain' would be ignored.{Environment.NewLine}");
    }

    [Fact]
    public void The_overview_names_the_version_option()
    {
        var (code, output, _) = Xwp("--help");

        code.Should().Be(0);
        output.Should().Contain("'xwp --version' for the version");
    }
}
