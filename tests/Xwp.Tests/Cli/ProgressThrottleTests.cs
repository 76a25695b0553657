using FluentAssertions;
using Xunit;
using Xwp.Cli;
using Xwp.Cli.Reproduction;

namespace Xwp.Tests.Cli;

/// <summary>The progress writers of the CLI, on a clock the test sets (no real time is measured).</summary>
public sealed class ProgressThrottleTests
{
    private TimeSpan _now;

    [Fact]
    public void Lines_are_due_once_per_interval_and_always_at_the_end()
    {
        var throttle = new ProgressThrottle(TimeSpan.FromSeconds(5), () => _now);

        throttle.Due().Should().BeFalse("nothing has run for an interval yet");
        _now = TimeSpan.FromSeconds(4.9);
        throttle.Due().Should().BeFalse();
        _now = TimeSpan.FromSeconds(5);
        throttle.Due().Should().BeTrue("a full interval has passed");
        _now = TimeSpan.FromSeconds(9);
        throttle.Due().Should().BeFalse("only 4 s since the last line");
        throttle.Due(final: true).Should().BeTrue("the last report is always written");
        _now = TimeSpan.FromSeconds(13.9);
        throttle.Due().Should().BeFalse("the final line at 9 s restarted the interval");
        _now = TimeSpan.FromSeconds(14);
        throttle.Due().Should().BeTrue();
    }

    [Fact]
    public void Redirected_progress_survives_many_batches_and_writes_the_last_one()
    {
        // The fault this guards against: the first throttle started at TimeSpan.MinValue, so its second report
        // computed Elapsed - MinValue and overflowed, aborting every explain run of more than one batch.
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, inPlace: false, new ProgressThrottle(TimeSpan.FromSeconds(5), () => _now));

        for (var done = 1; done <= 300; done++)
        {
            _now = TimeSpan.FromTicks(done * 100 * TimeSpan.TicksPerMillisecond);
            progress.Report(new AttributionProgress("saliency", done, 300));
        }

        progress.Finish();

        // Lines at 5.0, 10.0, …, 30.0 s (done = 50, 100, …, 300); the one at 30 s is also the last report.
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Select(l => l.Split(' ')[1]).Should().Equal("50/300", "100/300", "150/300", "200/300", "250/300", "300/300");
        lines.Should().NotContain(l => l.Contains('\r'));
    }

    [Fact]
    public void Progress_on_a_terminal_rewrites_one_line_and_ends_it()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, inPlace: true);

        progress.Report(new AttributionProgress("lrp", 1, 2));
        progress.Report(new AttributionProgress("lrp", 2, 2));
        progress.Finish();

        var text = writer.ToString();
        text.Should().StartWith("\rlrp: 1/2 inputs (").And.Contain("\rlrp: 2/2 inputs (").And.EndWith(Environment.NewLine);
    }

    [Fact]
    public void Plain_phase_lines_report_every_update_when_due_and_the_end()
    {
        var writer = new StringWriter();
        var sink = new PlainProgressSink(writer, intervalSeconds: 0);

        var result = sink.Phase("[digits] explain", 3, report =>
        {
            for (var i = 1; i <= 3; i++)
            {
                report(i);
            }

            return 42;
        });

        result.Should().Be(42);
        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("[digits] explain ...");
        lines[1..4].Select(l => l.Split(' ')[2]).Should().Equal("1/3", "2/3", "3/3");
        lines[4].Should().StartWith("[digits] explain: done in ");
    }
}
