using static TorchSharp.torch;

namespace Xwp;

/// <summary>
/// Which features are perturbed together, with Captum's meaning of <c>feature_mask</c>: an integer id per
/// feature, features with the same id form one group (one player of a Shapley game, one ablated set), and
/// every feature of a group carries the group's value. Ids need not be contiguous; groups are ordered by
/// id. Immutable: the ids are copied when it is created.
/// </summary>
/// <remarks>
/// Against inputs <c>[N, …]</c> with per-input shape S, the mask's shape must broadcast to S (e.g. a
/// <c>[28, 28]</c> mask for inputs <c>[N, 1, 28, 28]</c> groups every channel of a pixel together), may carry
/// a leading 1 (<c>[1, …]</c>), or have exactly as many ids as one input has features (read row-major; so a
/// <c>[28, 28]</c> mask also fits an FCNN's <c>[N, 784]</c> rows). One mask serves every input.
/// </remarks>
public sealed class FeatureMask
{
    private readonly long[] _ids;
    private readonly long[] _shape;

    private FeatureMask(long[] ids, long[] shape)
    {
        _ids = ids;
        _shape = shape;
    }

    /// <summary>The mask's shape.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of distinct groups.</summary>
    public int GroupCount => _ids.Distinct().Count();

    /// <summary>A mask read from an integer tensor (copied; the tensor stays the caller's).</summary>
    /// <param name="ids">Integer ids (any sign), at least one.</param>
    /// <returns>The mask.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="ids"/> is null.</exception>
    /// <exception cref="ArgumentException">The tensor is disposed, empty or not an integer tensor.</exception>
    public static FeatureMask FromTensor(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.IsInvalid)
        {
            throw new ArgumentException("The feature-mask tensor has been disposed.", nameof(ids));
        }

        if (ids.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Byte or ScalarType.Int8))
        {
            throw new ArgumentException($"A feature mask holds integer group ids, got {ids.dtype}.", nameof(ids));
        }

        using var cpu = ids.detach().to(int64).cpu().contiguous();
        return FromIds(cpu.data<long>().ToArray(), cpu.shape, nameof(ids));
    }

    /// <summary>A mask of one id per feature, <c>[D]</c>.</summary>
    /// <param name="ids">Ids (any sign), one per feature.</param>
    /// <returns>The mask.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="ids"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="ids"/> is empty.</exception>
    public static FeatureMask FromGroups(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return FromIds(ids.Select(i => (long)i).ToArray(), [ids.Count], nameof(ids));
    }

    /// <summary>
    /// Square superpixels: a <c>[height, width]</c> mask of <c>size×size</c> blocks numbered row by row
    /// (blocks at the right and bottom edges are smaller when <paramref name="size"/> does not divide the side).
    /// </summary>
    /// <param name="height">Image height, at least 1.</param>
    /// <param name="width">Image width, at least 1.</param>
    /// <param name="size">Block side k, at least 1 (1 = single pixels).</param>
    /// <returns>The mask.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static FeatureMask Superpixels(int height, int width, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var across = (width + size - 1) / size;
        var ids = new long[(long)height * width];
        for (var r = 0; r < height; r++)
        {
            for (var c = 0; c < width; c++)
            {
                ids[((long)r * width) + c] = ((r / size) * across) + (c / size);
            }
        }

        return new FeatureMask(ids, [height, width]);
    }

    /// <summary>A mask read from an integer tensor; a null tensor gives null (no mask).</summary>
    /// <param name="ids">The tensor, or null.</param>
    /// <exception cref="ArgumentException">See <see cref="FromTensor"/>.</exception>
    public static implicit operator FeatureMask?(Tensor? ids) => ids is null ? null : FromTensor(ids);

    /// <summary>
    /// The group (0 … M−1, by increasing id) of every feature of one input of shape <paramref name="inputShape"/>,
    /// row-major, and the group count M.
    /// </summary>
    /// <exception cref="ArgumentException">The mask does not fit the inputs; the message names <paramref name="optionName"/>.</exception>
    internal (long[] GroupOfFeature, int Groups) Resolve(IReadOnlyList<long> inputShape, string optionName)
    {
        var features = inputShape.Aggregate(1L, (a, b) => a * b);
        long[] flat;
        if (_ids.LongLength == features)
        {
            flat = _ids;
        }
        else if (Baselines.Broadcasts(_shape, [1, .. inputShape]))
        {
            using var scope = NewDisposeScope();
            var ids = tensor(_ids, _shape, int64);
            var expanded = ids.dim() > inputShape.Count ? ids.squeeze(0) : ids;
            flat = expanded.expand([.. inputShape]).contiguous().data<long>().ToArray();
        }
        else
        {
            throw new ArgumentException(
                $"{optionName} has shape [{string.Join(", ", _shape)}] ({_ids.LongLength} ids); inputs [N, {string.Join(", ", inputShape)}] need a mask that broadcasts to [{string.Join(", ", inputShape)}] or has {features} ids.",
                optionName);
        }

        var dense = flat.Distinct().Order().Select((id, rank) => (id, rank)).ToDictionary(p => p.id, p => (long)p.rank);
        return (flat.Select(id => dense[id]).ToArray(), dense.Count);
    }

    /// <summary>
    /// The mask as reports and caches print it: its shape, its group count and a digest of its ids, so that two
    /// masks print alike only when they group the features alike.
    /// </summary>
    /// <returns>The description, e.g. <c>feature mask [28, 28], 196 groups, ids 3f2a9c01</c>.</returns>
    public override string ToString()
    {
        var bytes = new byte[_ids.Length * sizeof(long)];
        Buffer.BlockCopy(_ids, 0, bytes, 0, bytes.Length);
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..8];
        return $"feature mask [{string.Join(", ", _shape)}], {GroupCount} groups, ids {digest}";
    }

    private static FeatureMask FromIds(long[] ids, long[] shape, string name)
    {
        if (ids.Length == 0)
        {
            throw new ArgumentException("The feature mask is empty; give one group id per feature.", name);
        }

        return new FeatureMask(ids, shape);
    }
}
