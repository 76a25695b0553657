namespace Xwp.Attribution.Shapley;

/// <summary>
/// The players of a Shapley game: single features, an explicit group id per feature, or square
/// superpixels on an image view of the features. Every feature of a group carries the group's value.
/// </summary>
internal static class FeatureGrouping
{
    /// <summary>Checks the grouping options before the inputs are known.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the parameter name is the option's.</exception>
    public static void Validate(IReadOnlyList<int>? groups, int superpixel, (int Height, int Width) imageShape)
    {
        if (superpixel < 1)
        {
            throw new ArgumentOutOfRangeException("Superpixel", superpixel, "The superpixel side must be at least 1 (1 = single features).");
        }

        if (imageShape.Height < 1 || imageShape.Width < 1)
        {
            throw new ArgumentOutOfRangeException("ImageShape", imageShape, "The image height and width must be at least 1.");
        }

        if (groups is null)
        {
            return;
        }

        if (superpixel != 1)
        {
            throw new ArgumentOutOfRangeException("FeatureGroups", "Give FeatureGroups or Superpixel, not both.");
        }

        if (groups.Count == 0)
        {
            throw new ArgumentOutOfRangeException("FeatureGroups", "The feature-group mask is empty; give one group id per feature.");
        }

        for (var i = 0; i < groups.Count; i++)
        {
            if (groups[i] < 0)
            {
                throw new ArgumentOutOfRangeException("FeatureGroups", groups[i], $"Group ids must be non-negative; feature {i} has {groups[i]}.");
            }
        }
    }

    /// <summary>
    /// The group (0 … M−1) of every feature and the group count M. Explicit ids are renumbered in
    /// increasing order; superpixel k×k blocks are numbered row by row (blocks at the right and
    /// bottom edges are smaller when k does not divide the image side).
    /// </summary>
    /// <exception cref="ArgumentException">The mask or the image shape does not fit the inputs.</exception>
    public static (long[] GroupOfFeature, int Groups) Resolve(IReadOnlyList<int>? groups, int superpixel, (int Height, int Width) imageShape, long features)
    {
        var index = new long[features];
        if (groups is not null)
        {
            if (groups.Count != features)
            {
                throw new ArgumentException($"FeatureGroups has {groups.Count} entries; the inputs have {features} features.", "FeatureGroups");
            }

            var dense = groups.Distinct().Order().Select((id, rank) => (id, rank)).ToDictionary(p => p.id, p => (long)p.rank);
            for (var i = 0; i < features; i++)
            {
                index[i] = dense[groups[i]];
            }

            return (index, dense.Count);
        }

        if (superpixel == 1)
        {
            for (var i = 0; i < features; i++)
            {
                index[i] = i;
            }

            return (index, checked((int)features));
        }

        var (height, width) = imageShape;
        if ((long)height * width != features)
        {
            throw new ArgumentException(
                $"Superpixels need the inputs as {height}×{width} images ({(long)height * width} features; see ImageShape); the inputs have {features}.",
                "ImageShape");
        }

        var across = (width + superpixel - 1) / superpixel;
        var down = (height + superpixel - 1) / superpixel;
        for (var r = 0; r < height; r++)
        {
            for (var c = 0; c < width; c++)
            {
                index[(r * width) + c] = ((r / superpixel) * across) + (c / superpixel);
            }
        }

        return (index, across * down);
    }
}
