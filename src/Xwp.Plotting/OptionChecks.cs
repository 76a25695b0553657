namespace Xwp.Plotting;

/// <summary>The checks behind the options records' <c>Validate()</c>; each throws <see cref="ArgumentOutOfRangeException"/> naming the option.</summary>
internal static class OptionChecks
{
    public static void InRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{min}, {max}].");
        }
    }

    public static void InRange(double value, double min, double max, string name)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number in [{min}, {max}].");
        }
    }

    public static void FontSize(float value, string name) => InRange(value, 4.0, 200.0, name);

    public static void Percentile(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0.0 || value > 100.0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in (0, 100].");
        }
    }

    public static void NotNull(object? value, string name)
    {
        if (value is null)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} must not be null.");
        }
    }

    public static void FontFile(string? path, string name)
    {
        if (path is null)
        {
            return;
        }

        if (!File.Exists(path))
        {
            throw new ArgumentOutOfRangeException(name, path, $"{name}: the font file '{path}' does not exist.");
        }

        if (PlotFonts.Resolve(path) is null)
        {
            throw new ArgumentOutOfRangeException(name, path, $"{name}: '{path}' cannot be read as a font.");
        }
    }
}
