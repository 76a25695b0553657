namespace Xwp.Attribution.Occlusion;

/// <summary>
/// The sets of features that are set to the baseline together — Occlusion's windows or feature
/// ablation's groups — over D features, and how each set's output change is spread back onto features.
/// </summary>
internal sealed class AblationSets
{
    private readonly Lazy<float[]> _spread;

    private AblationSets(int features, int[][] sets)
    {
        Features = features;
        Count = sets.Length;
        MaxSize = sets.Max(s => s.Length);
        Indices = new long[Count * MaxSize];
        Array.Fill(Indices, features);
        var coverage = new int[features];
        for (var s = 0; s < Count; s++)
        {
            for (var j = 0; j < sets[s].Length; j++)
            {
                Indices[s * MaxSize + j] = sets[s][j];
                coverage[sets[s][j]]++;
            }
        }

        EntryWeights = new float[Indices.Length];
        for (var e = 0; e < Indices.Length; e++)
        {
            EntryWeights[e] = Indices[e] < features ? 1f / coverage[Indices[e]] : 0f;
        }

        _spread = new Lazy<float[]>(() =>
        {
            var spread = new float[(long)Count * features];
            for (var e = 0; e < Indices.Length; e++)
            {
                if (Indices[e] < features)
                {
                    spread[((long)(e / MaxSize) * features) + Indices[e]] = EntryWeights[e];
                }
            }

            return spread;
        });
    }

    /// <summary>D, the number of features.</summary>
    public int Features { get; }

    /// <summary>S, the number of sets.</summary>
    public int Count { get; }

    /// <summary>K, the size of the largest set.</summary>
    public int MaxSize { get; }

    /// <summary>Feature indices <c>[S, K]</c>, row-major; shorter sets are padded with D (a feature that does not exist).</summary>
    public long[] Indices { get; }

    /// <summary>
    /// <c>[S, D]</c>, row-major: <c>1 / coverage(i)</c> where set s holds feature i, else 0, so that a map
    /// is <c>delta [B, S] · Spread</c> — the mean change over the sets that hold each feature, 0 for a
    /// feature in no set.
    /// </summary>
    public float[] Spread => _spread.Value;

    /// <summary><c>[S, K]</c>, row-major: <c>1 / coverage(i)</c> for each entry i of <see cref="Indices"/>, 0 for padding.</summary>
    public float[] EntryWeights { get; }

    /// <summary>
    /// Occlusion's windows over a row-major <paramref name="image"/>, in row-major order of their top-left
    /// corners. Positions per axis: <c>0, s, 2s, …</c> up to <c>L − w</c>, plus <c>L − w</c> itself when the
    /// stride does not land there, so the last pixels are always covered.
    /// </summary>
    public static AblationSets Windows((int Height, int Width) image, (int Height, int Width) window, (int Height, int Width) stride) =>
        Windows(1, image, window, stride);

    /// <summary>
    /// Windows over the last two dimensions of inputs of <paramref name="planes"/>·H·W features (the
    /// leading dimensions, e.g. channels, flattened into planes): each window covers its pixels in every plane.
    /// </summary>
    public static AblationSets Windows(int planes, (int Height, int Width) image, (int Height, int Width) window, (int Height, int Width) stride)
    {
        var rows = Positions(image.Height, window.Height, stride.Height);
        var cols = Positions(image.Width, window.Width, stride.Width);
        var sets = new List<int[]>(rows.Count * cols.Count);
        foreach (var top in rows)
        {
            foreach (var left in cols)
            {
                var plane = image.Height * image.Width;
                var area = window.Height * window.Width;
                var set = new int[planes * area];
                for (var p = 0; p < planes; p++)
                {
                    for (var r = 0; r < window.Height; r++)
                    {
                        for (var c = 0; c < window.Width; c++)
                        {
                            set[(p * area) + (r * window.Width) + c] = (p * plane) + ((top + r) * image.Width) + left + c;
                        }
                    }
                }

                sets.Add(set);
            }
        }

        return new AblationSets(checked(planes * image.Height * image.Width), [.. sets]);
    }

    /// <summary>Feature ablation: one set per feature, or one per distinct group id (in increasing id order).</summary>
    public static AblationSets Groups(int features, long[]? groupIds)
    {
        if (groupIds is null)
        {
            return new AblationSets(features, [.. Enumerable.Range(0, features).Select(i => new[] { i })]);
        }

        var sets = Enumerable.Range(0, features)
            .GroupBy(i => groupIds[i])
            .OrderBy(g => g.Key)
            .Select(g => g.ToArray())
            .ToArray();
        return new AblationSets(features, sets);
    }

    /// <summary>Window starts along one axis of length <paramref name="length"/>.</summary>
    internal static List<int> Positions(int length, int window, int stride)
    {
        var positions = new List<int>();

        // In long: with a stride near int.MaxValue, p + stride would wrap to a negative position.
        for (long p = 0; p + window <= length; p += stride)
        {
            positions.Add((int)p);
        }

        if (positions[^1] != length - window)
        {
            positions.Add(length - window);
        }

        return positions;
    }
}
