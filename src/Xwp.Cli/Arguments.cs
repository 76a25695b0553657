using System.Globalization;

namespace Xwp.Cli;

/// <summary>
/// A small `--name value` parser: every option is declared by the command that reads it, unknown
/// options, missing values and options given twice are errors that name the option.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly string? _verb;
    private bool _verbRead;

    public Arguments(IEnumerable<string> args)
    {
        string? pending = null;
        var first = true;
        foreach (var arg in args)
        {
            if (first && !arg.StartsWith('-'))
            {
                // A leading word is a subcommand (`xwp data export ...`); commands without one reject it.
                _verb = arg;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _values[pending] = null;
                }

                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                var name = eq > 0 ? arg[2..eq] : arg[2..];
                if (_values.ContainsKey(name) || name == pending)
                {
                    // The parser would keep only one of them; which one the user meant is a guess.
                    throw new UsageException($"--{name} is given twice; give it once (several values go in one comma-separated list where an option takes a list).");
                }

                if (eq > 0)
                {
                    _values[name] = arg[(eq + 1)..];
                    pending = null;
                }
                else
                {
                    pending = name;
                }
            }
            else if (pending is not null)
            {
                _values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }

            first = false;
        }

        if (pending is not null)
        {
            _values[pending] = null;
        }
    }

    /// <summary>The leading subcommand word (e.g. <c>export</c> in <c>xwp data export</c>), or null.</summary>
    public string? Verb()
    {
        _verbRead = true;
        return _verb;
    }

    /// <summary>Whether --<paramref name="name"/> is on the command line (with or without a value); does not count as reading it.</summary>
    public bool Given(string name) => _values.ContainsKey(name);

    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var value))
        {
            return false;
        }

        return value is null || value is "true" || value is "1"
            ? true
            : throw new UsageException($"--{name} takes no value.");
    }

    public string? Optional(string name)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        return value ?? throw new UsageException($"--{name} needs a value.");
    }

    public string Required(string name) =>
        Optional(name) ?? throw new UsageException($"--{name} is required.");

    /// <summary>
    /// An integer option from <paramref name="min"/> to <paramref name="max"/>; a value outside the range, a fraction or
    /// one too large for an int (overflow) is refused naming the option and the range.
    /// </summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"--{name} must be {Range(min, max)}, not '{text}'.");
        }

        return value;
    }

    /// <summary>
    /// --threads: torch's intra-op threads, from 1 to the logical cores this process may use
    /// (<see cref="XwpRuntime.MaxThreads"/>); larger values are refused, not clamped.
    /// </summary>
    /// <param name="fallback">The value when --threads is absent (0: leave torch's default).</param>
    public int Threads(int fallback)
    {
        var text = Optional("threads");
        if (text is null)
        {
            return fallback;
        }

        var max = XwpRuntime.MaxThreads;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max
            ? value
            : throw new UsageException($"--threads must be an integer from 1 to {max} (the logical cores this process may use), not '{text}'.");
    }

    /// <summary>An integer option from <paramref name="min"/> to <paramref name="max"/> (e.g. a seed: any 64-bit integer).</summary>
    public long Long(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be {Range(min, max)}, not '{text}'.");
    }

    /// <summary>
    /// A finite number option from <paramref name="min"/> to <paramref name="max"/> (inclusive); NaN, infinity and
    /// values outside the range are refused naming the option and the range.
    /// </summary>
    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max)
        {
            return value;
        }

        var range = (min, max) switch
        {
            (double.MinValue, double.MaxValue) => "a finite number",
            (_, double.MaxValue) => $"a finite number ≥ {min.ToString(CultureInfo.InvariantCulture)}",
            _ => $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
        };
        throw new UsageException($"--{name} must be {range}, not '{text}'.");
    }

    /// <summary>The allowed range of an integer option, as a message says it.</summary>
    private static string Range(long min, long max) => (min, max) switch
    {
        (long.MinValue, long.MaxValue) => "a 64-bit integer",
        (int.MinValue, int.MaxValue) => "an integer (32-bit)",
        (_, int.MaxValue or long.MaxValue) => $"an integer ≥ {min.ToString(CultureInfo.InvariantCulture)}",
        _ => $"an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
    };

    public T Choice<T>(string name, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return choices.TryGetValue(text, out var value)
            ? value
            : throw new UsageException($"--{name} must be one of {string.Join(", ", choices.Keys)}, not '{text}'.");
    }

    /// <summary>Fails on any option the command did not ask for (call after reading every option).</summary>
    public void RejectUnknown()
    {
        if (_verb is not null && !_verbRead)
        {
            throw new UsageException($"Unexpected argument '{_verb}'.");
        }

        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
        }
    }
}

/// <summary>A mistake on the command line; printed with a pointer to the command's --help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
