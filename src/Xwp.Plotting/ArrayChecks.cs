namespace Xwp.Plotting;

/// <summary>Checks on the arrays users pass in, with messages that say which array and what is wrong.</summary>
internal static class ArrayChecks
{
    /// <summary>The array must exist, have <paramref name="length"/> values and hold no NaN or infinity.</summary>
    public static void Image(float[]? values, int length, string shape, string what, string paramName)
    {
        if (values is null)
        {
            throw new ArgumentException($"{what} is null.", paramName);
        }

        if (values.Length != length)
        {
            throw new ArgumentException($"{what} has {values.Length} values; expected {length} ({shape}).", paramName);
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{what} has a {(float.IsNaN(values[i]) ? "NaN" : "infinite")} value at index {i}.", paramName);
            }
        }
    }

    /// <summary>The curve must exist, have at least two points (or <paramref name="length"/> when given) and hold no NaN or infinity.</summary>
    public static void Curve(double[]? values, int? length, string what, string paramName)
    {
        if (values is null)
        {
            throw new ArgumentException($"{what} is null.", paramName);
        }

        if (length is { } expected && values.Length != expected)
        {
            throw new ArgumentException($"{what} has {values.Length} points; expected {expected} like the first curve.", paramName);
        }

        if (values.Length < 2)
        {
            throw new ArgumentException($"{what} has {values.Length} point(s); a curve needs at least 2.", paramName);
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{what} has a {(double.IsNaN(values[i]) ? "NaN" : "infinite")} value at point {i}.", paramName);
            }
        }
    }
}
