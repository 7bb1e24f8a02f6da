namespace PayoutVault.Cli;

/// <summary>"--name value" options and positional arguments; deliberately tiny.</summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CliArgs Parse(ReadOnlySpan<string> args)
    {
        var parsed = new CliArgs();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) { parsed.Positional.Add(args[i]); continue; }
            var name = args[i][2..];
            if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) parsed._options[name] = args[++i];
            else parsed._flags.Add(name);
        }
        return parsed;
    }

    public string Required(string name) =>
        _options.TryGetValue(name, out var v) ? v : throw new CliUsageException($"--{name} is required");

    public string? Optional(string name) => _options.GetValueOrDefault(name);

    public int Int(string name, int fallback) =>
        _options.TryGetValue(name, out var v)
            ? int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw new CliUsageException($"--{name} must be a number")
            : fallback;

    public bool Flag(string name) => _flags.Contains(name);
}

public sealed class CliUsageException(string message) : Exception(message);
