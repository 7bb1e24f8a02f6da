using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// Typed options with the checks vaultctl needs, each failing with a message that names the option and the value, so
/// a wrong command line is a usage error (exit code 2) before anything touches the vault or the database.
/// </summary>
public static class CliOptions
{
    /// <summary>
    /// An option's value inside a command validator, or default when the value itself is invalid: its own error is
    /// already reported, and asking System.CommandLine for it would throw.
    /// </summary>
    public static T? ValidValue<T>(CommandResult r, Option<T> option)
    {
        try { return r.GetValue(option); }
        catch (InvalidOperationException) { return default; }
    }

    public static Option<string> Text(string name, string description, string helpName, bool required = false) =>
        new(name) { Description = description, HelpName = helpName, Required = required };

    /// <summary>A whole number at least <paramref name="min"/>.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min = 1) =>
        new(name)
        {
            Description = description,
            HelpName = "N",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseInt(r, name, min),
        };

    /// <summary>A whole number at least <paramref name="min"/>, or null when the option is not given.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = 1) =>
        new(name) { Description = description, HelpName = "N", CustomParser = r => ParseInt(r, name, min) };

    private static int ParseInt(ArgumentResult r, string name, int min)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
        {
            r.AddError(min switch
            {
                1 => $"{name} must be a positive whole number, got '{text}'",
                0 => $"{name} must be a whole number, zero or more, got '{text}'",
                _ => $"{name} must be a whole number of at least {min}, got '{text}'",
            });
            return 0;
        }
        return n;
    }

    /// <summary>A path that must name an existing file.</summary>
    public static Option<string> ExistingFile(string name, string description, bool required = false)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "FILE", Required = required };
        option.Validators.Add(r => RequireFile(r, name, r.GetValueOrDefault<string>()));
        return option;
    }

    /// <summary>Comma-separated paths, each of which must name an existing file.</summary>
    public static Option<string[]> ExistingFiles(string name, string description) =>
        new(name)
        {
            Description = description,
            HelpName = "F1,F2,..",
            CustomParser = r =>
            {
                var files = r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
                if (files.Length == 0) r.AddError($"{name} needs at least one file");
                foreach (var f in files) RequireFile(r, name, f);
                return files;
            },
        };

    private static void RequireFile(SymbolResult r, string name, string? path)
    {
        if (path is null) return;
        if (Directory.Exists(path)) r.AddError($"{name}: {path} is a folder, not a file");
        else if (!File.Exists(path)) r.AddError($"{name}: {path} does not exist");
    }

    /// <summary>An absolute http:// or https:// URL.</summary>
    public static Option<Uri> Url(string name, string description, Func<Uri>? defaultValue = null, bool required = false) =>
        new(name)
        {
            Description = description,
            HelpName = "URL",
            Required = required,
            DefaultValueFactory = defaultValue is null ? null : _ => defaultValue(),
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                    return uri;
                r.AddError($"{name} must be an absolute http:// or https:// URL, got '{text}'");
                return null!;
            },
        };

    /// <summary>A comma-separated list whose items must come from <paramref name="allowed"/>.</summary>
    public static Option<string[]> OneOfList(string name, string description, string[] allowed) =>
        new(name)
        {
            Description = description + " One or more of: " + string.Join(", ", allowed) + ".",
            HelpName = "a,b,..",
            DefaultValueFactory = _ => allowed,
            CustomParser = r =>
            {
                var items = r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
                foreach (var unknown in items.Where(i => !allowed.Contains(i, StringComparer.Ordinal)))
                    r.AddError($"{name}: unknown value '{unknown}'; one or more of: {string.Join(", ", allowed)}");
                if (items.Length == 0) r.AddError($"{name} needs at least one of: {string.Join(", ", allowed)}");
                return items;
            },
        };
}
