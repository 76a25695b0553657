namespace Xwp.Data;

/// <summary>
/// The seeded split of font data by font: sort the distinct font names, shuffle them with a
/// SplitMix64 stream seeded by the seed (Fisher–Yates), and hold out the first
/// round(fraction × fonts) of them (at least one, and at least one left for training) for testing.
/// No font is in both parts; rows keep their order.
/// </summary>
internal static class FontSplit
{
    /// <summary>The held-out (test) font names.</summary>
    public static HashSet<string> TestFonts(IEnumerable<string> fonts, double testFraction, int seed)
    {
        var names = fonts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (names.Length < 2)
        {
            throw new XwpDataException($"A train/test split by font needs at least two fonts; the data has {names.Length}.");
        }

        var state = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);
        for (var i = names.Length - 1; i > 0; i--)
        {
            var j = (int)(Next(ref state) % (ulong)(i + 1));
            (names[i], names[j]) = (names[j], names[i]);
        }

        var test = (int)Math.Round(testFraction * names.Length, MidpointRounding.AwayFromZero);
        test = Math.Clamp(test, 1, names.Length - 1);
        return new HashSet<string>(names.Take(test), StringComparer.Ordinal);
    }

    /// <summary>The rows of <paramref name="data"/> that belong to <paramref name="split"/>.</summary>
    public static LabeledPixels Apply(LabeledPixels data, DatasetSplit split, double testFraction, int seed)
    {
        if (split == DatasetSplit.All)
        {
            return data;
        }

        var fonts = data.Fonts ?? throw new InvalidOperationException("A font split needs font names.");
        var test = TestFonts(fonts, testFraction, seed);
        var wantTest = split == DatasetSplit.Test;
        var rows = new List<int>();
        for (var i = 0; i < fonts.Length; i++)
        {
            if (test.Contains(fonts[i]) == wantTest)
            {
                rows.Add(i);
            }
        }

        return data.Select(rows);
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): a fixed, portable stream for a given seed.</summary>
    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
