using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Data;

namespace Xwp.Tests.Data;

public sealed class EmbeddedDigitsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-embedded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_embedded_set_has_at_least_200_distinct_fonts_of_ten_centred_digits()
    {
        EmbeddedDigits.IsPresent.Should().BeTrue("the assembly carries src/Xwp.Data/Embedded/tmnist-style.xwpd.gz");
        var sets = EmbeddedDigits.Load();
        sets.Count.Should().BeGreaterThanOrEqualTo(200);
        sets.Select(s => s.Name).Should().OnlyHaveUniqueItems();
        sets.Should().AllSatisfy(s => s.Pixels.Should().HaveCount(7840));
        foreach (var set in sets)
        {
            for (var d = 0; d < 10; d++)
            {
                var image = set.Pixels.AsSpan(d * 784, 784);
                var (cx, cy) = DigitNormalizer.CentreOfMass(image);
                // Within half a pixel, unless the shift that would centre it pushes the glyph out of the
                // frame (a top-heavy 7 in EB Garamond): then it touches the frame's edge on that axis.
                if (Math.Abs(cx - 14) > 0.5)
                {
                    TouchesEdge(image, vertical: false).Should().BeTrue($"{set.Name} digit {d}: centre x {cx}");
                }

                if (Math.Abs(cy - 14) > 0.5)
                {
                    TouchesEdge(image, vertical: true).Should().BeTrue($"{set.Name} digit {d}: centre y {cy}");
                }
            }
        }

        // Distinct: no two sets look the same.
        for (var a = 0; a < sets.Count; a++)
        {
            for (var b = a + 1; b < sets.Count; b++)
            {
                FontDigitRenderer.SameSet(sets[a].Pixels, sets[b].Pixels).Should().BeFalse($"{sets[a].Name} and {sets[b].Name}");
            }
        }
    }

    /// <summary>Whether the 28×28 image has ink in its first or last row (vertical) or column.</summary>
    private static bool TouchesEdge(ReadOnlySpan<byte> image, bool vertical)
    {
        for (var i = 0; i < 28; i++)
        {
            var (first, last) = vertical ? (image[i], image[27 * 28 + i]) : (image[i * 28], image[i * 28 + 27]);
            if (first != 0 || last != 0)
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void The_embedded_dataset_says_it_is_embedded_and_splits_by_font()
    {
        using var all = Datasets.EmbeddedTmnistStyle(DatasetSplit.All);
        using var train = Datasets.EmbeddedTmnistStyle(DatasetSplit.Train);
        using var test = Datasets.EmbeddedTmnistStyle(DatasetSplit.Test);
        all.Name.Should().Be("TMNIST-style");
        all.Source.Should().StartWith("TMNIST-style digits embedded in Xwp.Data:");
        all.Images.shape.Should().Equal(all.Count, 784);
        all.FontFamilyCount.Should().BeGreaterThan(50);
        train.Fonts!.Intersect(test.Fonts!).Should().BeEmpty();
        (train.Count + test.Count).Should().Be(all.Count);
        test.FontCount.Should().Be((int)Math.Round(0.2 * all.FontCount!.Value, MidpointRounding.AwayFromZero));
        all.Labels[..10].data<long>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    [Fact]
    public void The_fallback_chain_uses_the_embedded_set_when_no_fonts_are_found_and_says_so()
    {
        var old = Environment.GetEnvironmentVariable(Datasets.TmnistEnvironmentVariable);
        Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, null);
        try
        {
            using var data = Datasets.TypefaceDigits(DatasetSplit.Test, options: new DigitDatasetOptions { FontDirectories = [_dir] });
            data.Name.Should().Be("TMNIST-style");
            data.Source.Should().StartWith("TMNIST-style digits embedded in Xwp.Data");
            data.Notes.Should().Equal(
                "No TMNIST CSV was given and XWP_TMNIST is not set.",
                $"The fonts in '{_dir}' give 0 distinct digit sets, fewer than the 200 wanted (MinimumRenderedFonts); using the embedded TMNIST-style set instead.");
        }
        finally
        {
            Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, old);
        }
    }

    [Fact]
    public void The_fallback_chain_prefers_a_named_csv_then_the_environment_variable()
    {
        var csv = Path.Combine(_dir, "t.csv");
        File.WriteAllText(csv, DataFiles.Csv("A-Regular", "B-Regular", "C-Regular"));
        var old = Environment.GetEnvironmentVariable(Datasets.TmnistEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, csv);
            using (var fromEnv = Datasets.TypefaceDigits(DatasetSplit.All))
            {
                fromEnv.Name.Should().Be("TMNIST");
                fromEnv.Source.Should().Contain("XWP_TMNIST");
                fromEnv.Count.Should().Be(30);
            }

            var missing = Path.Combine(_dir, "missing.csv");
            using (var given = Datasets.TypefaceDigits(DatasetSplit.All, csv))
            {
                given.Source.Should().Contain("the given path");
            }

            // A named file that is missing is an error, never silently replaced.
            Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, missing);
            var act = () => Datasets.TypefaceDigits(DatasetSplit.All);
            act.Should().Throw<XwpDataException>().WithMessage($"'{missing}': file not found.");
        }
        finally
        {
            Environment.SetEnvironmentVariable(Datasets.TmnistEnvironmentVariable, old);
        }
    }

    [Fact]
    public void Write_then_read_gives_the_same_sets()
    {
        var pixels = Enumerable.Range(0, DigitSet.Bytes).Select(i => (byte)(i * 31 % 256)).ToArray();
        var sets = new[] { new DigitSet("Ünïcode-Bold", "Ünïcode", "/x.ttf", pixels), new DigitSet("B", "B", null, new byte[DigitSet.Bytes]) };
        using var stream = new MemoryStream();
        EmbeddedDigits.Write(stream, sets);
        stream.Position = 0;
        var back = EmbeddedDigits.Read(stream, "mem");
        back.Select(s => (s.Name, s.Family)).Should().Equal(("Ünïcode-Bold", "Ünïcode"), ("B", "B"));
        back[0].Pixels.Should().Equal(pixels);
        back[0].File.Should().BeNull();
    }

    [Fact]
    public void Damaged_embedded_data_is_reported()
    {
        using var stream = new MemoryStream();
        EmbeddedDigits.Write(stream, [new DigitSet("A", "A", null, new byte[DigitSet.Bytes])]);
        var bytes = stream.ToArray();
        var act = () => EmbeddedDigits.Read(new MemoryStream(bytes[..(bytes.Length - 12)]), "emb");
        act.Should().Throw<XwpDataException>().WithMessage("'emb': *truncated*");
        act = () => EmbeddedDigits.Read(new MemoryStream(DataFiles.Gzip("XWPE\u0001\0\0\0\0"u8.ToArray())), "emb");
        act.Should().Throw<XwpDataException>().WithMessage("'emb': not an Xwp digit-set file*");
    }

    [Fact]
    public void Loading_the_embedded_set_leaks_no_tensors()
    {
        using (Datasets.EmbeddedTmnistStyle(DatasetSplit.Test))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var data = Datasets.EmbeddedTmnistStyle(DatasetSplit.Test))
        {
            _ = data.Labels.shape;
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
