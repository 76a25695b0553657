using System.Diagnostics;
using FluentAssertions;
using Xunit;
using Xwp.Plotting;
using Xwp.Tests.Native;

namespace Xwp.Tests.Plotting;

/// <summary>Pictures are written by the library's one safe writer: through links, never over a FIFO.</summary>
public sealed class SavePngSafetyTests : IDisposable
{
    private static readonly HeatmapGridOptions Tiny = new()
    {
        ImageWidth = 3, ImageHeight = 1, Scale = 2, Gap = 2, Margin = 0, FontSize = 4, ShowColorBar = false,
    };

    private static readonly HeatmapRow[] Rows = [new([0.5f, 0.5f, 0.5f], [[1f, 0f, -1f]])];

    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-plot-safety-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LinuxFact]
    public void A_picture_saved_to_a_symlink_goes_to_the_link_target_and_the_link_stays()
    {
        var target = Path.Combine(_dir, "real.png");
        var link = Path.Combine(_dir, "grid.png");
        File.CreateSymbolicLink(link, target);

        HeatmapGrid.SavePng(link, ["M"], Rows, Tiny);

        new FileInfo(link).LinkTarget.Should().Be(target, "the link itself must not be replaced by a regular file");
        File.ReadAllBytes(target).Should().Equal(HeatmapGrid.RenderPng(["M"], Rows, Tiny));
    }

    [LinuxFact]
    public void A_fifo_given_as_the_picture_path_is_refused_and_stays_a_fifo()
    {
        var fifo = Path.Combine(_dir, "pipe.png");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            mkfifo.ExitCode.Should().Be(0);
        }

        var act = () => DeletionCurvePlot.SavePng(fifo, [new KeyValuePair<string, double[]>("XWP", [1.0, 0.5, 0.0])]);

        act.Should().Throw<IOException>().WithMessage($"Cannot write '{fifo}': it is a FIFO (named pipe)*");
        Xwp.IO.FileKinds.Of(fifo).Should().Be(Xwp.IO.FileKind.Fifo);
    }
}
