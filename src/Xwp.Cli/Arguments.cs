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

    public int Int(string name, int fallback, int min = int.MinValue)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new UsageException($"--{name} must be an integer ≥ {min}, not '{text}'.");
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

    public long Long(string name, long fallback)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"--{name} must be an integer, not '{text}'.");
    }

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

/// <summary>A mistake on the command line; printed with the command's usage, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
