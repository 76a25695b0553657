using System.Text;
using FluentAssertions;
using Xunit;
using Xwp.Data;

namespace Xwp.Tests.Data;

/// <summary>Random and damaged bytes never make the readers fail with anything but <see cref="XwpDataException"/>.</summary>
public sealed class FuzzTests
{
    private delegate void Reader(Stream stream);

    private static readonly (string Name, Reader Read)[] Readers =
    [
        ("idx images", s => IdxReader.ReadImages(s, "fuzz")),
        ("idx labels", s => IdxReader.ReadLabels(s, "fuzz")),
        ("tmnist csv", s => TmnistCsvReader.Read(s, "fuzz")),
        ("embedded digit sets", s => EmbeddedDigits.Read(s, "fuzz")),
    ];

    [Fact]
    public void Random_bytes_give_only_our_exception()
    {
        var random = new Random(20260101);
        var valid = ValidSamples();
        var cases = 0;
        for (var i = 0; i < 400; i++)
        {
            var bytes = (i % 4) switch
            {
                0 => RandomBytes(random, random.Next(0, 3000)),
                1 => Mutate(random, valid[random.Next(valid.Length)]),
                2 => Truncate(random, valid[random.Next(valid.Length)]),
                _ => DataFiles.Gzip(Mutate(random, valid[random.Next(valid.Length)])),
            };
            foreach (var (name, read) in Readers)
            {
                cases++;
                var stream = new MemoryStream(bytes, writable: false);
                var gzipped = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
                Stream input = gzipped && name != "embedded digit sets" ? new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress) : stream;
                try
                {
                    read(input);
                }
                catch (XwpDataException)
                {
                }
                catch (Exception e)
                {
                    throw new Xunit.Sdk.XunitException($"{name} threw {e.GetType().Name} on case {i} ({bytes.Length} bytes): {e.Message}");
                }
            }
        }

        cases.Should().Be(1600);
    }

    [Fact]
    public void The_valid_samples_are_read_so_the_fuzzing_starts_from_real_formats()
    {
        var valid = ValidSamples();
        IdxReader.ReadImages(new MemoryStream(valid[0]), "x").Should().HaveCount(2 * 784);
        IdxReader.ReadLabels(new MemoryStream(valid[1]), "x").Should().HaveCount(3);
        TmnistCsvReader.Read(new MemoryStream(valid[2]), "x").Count.Should().Be(10);
        EmbeddedDigits.Read(new MemoryStream(valid[3]), "x").Should().HaveCount(1);
    }

    private static byte[][] ValidSamples()
    {
        using var embedded = new MemoryStream();
        EmbeddedDigits.Write(embedded, [new DigitSet("A-Regular", "A", null, new byte[DigitSet.Bytes])]);
        return
        [
            DataFiles.Idx([2, 28, 28], DataFiles.ImagePixels(2)),
            DataFiles.Idx([3], [0, 5, 9]),
            Encoding.UTF8.GetBytes(DataFiles.Csv("A-Regular")),
            embedded.ToArray(),
        ];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = (byte[])valid.Clone();
        var flips = random.Next(1, 8);
        for (var f = 0; f < flips; f++)
        {
            var at = random.Next(Math.Min(bytes.Length, random.Next(2) == 0 ? 32 : bytes.Length));
            bytes[at] = (byte)random.Next(256);
        }

        return bytes;
    }

    private static byte[] Truncate(Random random, byte[] valid) => valid[..random.Next(valid.Length)];
}
