using FluentAssertions;
using Xunit;
using Xwp.Data;

namespace Xwp.Tests.Data;

/// <summary>The on-disk copy of rendered digit sets (DigitDatasetOptions.RenderCacheFile): reused only for the same fonts and intact content.</summary>
public sealed class RenderCacheFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-render-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_ => Path.Combine(_dir, "sub", "font-digits.cache");

    [Fact]
    public void A_written_result_reads_back_identically_for_the_same_fonts_only()
    {
        var result = Result();
        RenderCacheFile.Write(Path_, "a.ttf|100|5", result);

        var read = RenderCacheFile.Read(Path_, "a.ttf|100|5");

        read.Should().NotBeNull();
        read!.Files.Should().Be(3);
        read.Faces.Should().Be(4);
        read.Sets.Should().HaveCount(2);
        read.Sets[0].Pixels.Should().Equal(result.Sets[0].Pixels);
        read.Sets[1].Pixels.Should().Equal(result.Sets[1].Pixels);
        read.Sets.Select(s => (s.Name, s.Family, s.File)).Should().Equal(("Sans", "Sans", "/f/a.ttf"), ("Serif#1", "Serif", null));
        read.Skipped.Should().Equal(("/f/c.ttf", FontDigitRenderer.NotAFont), ("/f/b.ttf", "same digits as Sans"));
        RenderCacheFile.Read(Path_, "a.ttf|100|6").Should().BeNull("another modification time is other fonts");
        RenderCacheFile.Read(Path.Combine(_dir, "missing.cache"), "a.ttf|100|5").Should().BeNull();
    }

    [Fact]
    public void A_changed_byte_makes_the_file_unusable()
    {
        RenderCacheFile.Write(Path_, "k", Result());
        var bytes = File.ReadAllBytes(Path_);
        bytes[^100] ^= 0x01; // inside the last digit set's pixels
        File.WriteAllBytes(Path_, bytes);

        RenderCacheFile.Read(Path_, "k").Should().BeNull();
    }

    [Fact]
    public void A_truncated_or_foreign_file_is_not_used()
    {
        RenderCacheFile.Write(Path_, "k", Result());
        var bytes = File.ReadAllBytes(Path_);
        File.WriteAllBytes(Path_, bytes[..(bytes.Length / 2)]);
        RenderCacheFile.Read(Path_, "k").Should().BeNull();

        File.WriteAllText(Path_, "not a cache");
        RenderCacheFile.Read(Path_, "k").Should().BeNull();
    }

    [Fact]
    public void Each_unusable_file_says_why_and_a_missing_file_says_nothing()
    {
        string? Why(string key = "k")
        {
            RenderCacheFile.Read(Path_, key, out var unusable).Should().BeNull();
            return unusable;
        }

        RenderCacheFile.Write(Path_, "k", Result()).Should().BeTrue();
        RenderCacheFile.Read(Path_, "k", out var none).Should().NotBeNull();
        none.Should().BeNull("a reused file needs no reason");
        Why("other").Should().Be("was written for other font files (paths, sizes or modification times differ) or is damaged");

        var bytes = File.ReadAllBytes(Path_);
        bytes[^100] ^= 0x01;
        File.WriteAllBytes(Path_, bytes);
        Why().Should().Be("changed since it was written");

        File.WriteAllBytes(Path_, bytes[..(bytes.Length / 2)]);
        Why().Should().Be("changed since it was written", "a cut payload no longer has its SHA-256");
        File.WriteAllBytes(Path_, bytes[..10]);
        Why().Should().Be("is truncated or not a font-digit cache");
        File.WriteAllBytes(Path_, []);
        Why().Should().Be("is empty");
        File.WriteAllText(Path_, "\u0003abc not a cache");
        Why().Should().Be("is not a font-digit cache of this format");

        File.Delete(Path_);
        Why().Should().BeNull("no file is the first run, nothing to report");
    }

    private static FontRenderResult Result()
    {
        var first = new byte[DigitSet.Bytes];
        var second = new byte[DigitSet.Bytes];
        new Random(1).NextBytes(first);
        new Random(2).NextBytes(second);
        return new FontRenderResult(3, 4, [new DigitSet("Sans", "Sans", "/f/a.ttf", first), new DigitSet("Serif#1", "Serif", null, second)],
            [("/f/c.ttf", FontDigitRenderer.NotAFont), ("/f/b.ttf", "same digits as Sans")]);
    }
}
