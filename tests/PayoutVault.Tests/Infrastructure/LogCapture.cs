using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>One captured log line with everything a leak scan needs: text, structured values, scopes, exception.</summary>
public sealed record LogEntry(
    DateTimeOffset Time, string Category, LogLevel Level, EventId EventId, string Message,
    IReadOnlyList<KeyValuePair<string, string?>> Properties, IReadOnlyList<string> Scopes, string? Exception)
{
    /// <summary>W3C trace context scopes: random hex made by the runtime, never data, and prone to digit runs.</summary>
    public static readonly IReadOnlySet<string> TraceScopeKeys = new HashSet<string>(StringComparer.Ordinal) { "TraceId", "SpanId", "ParentId" };

    public string ToText(bool includeTraceIds = true)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Time:O} {Level} {Category}[{EventId.Id}] {Message}");
        foreach (var (k, v) in Properties) sb.Append(CultureInfo.InvariantCulture, $" |{k}={v}");
        foreach (var s in Scopes)
        {
            if (!includeTraceIds && TraceScopeKeys.Any(k => s.StartsWith(k + "=", StringComparison.Ordinal))) continue;
            sb.Append(" |scope ").Append(s);
        }
        if (Exception is not null) sb.Append('\n').Append(Exception);
        return sb.ToString();
    }
}

/// <summary>
/// An ILoggerProvider that records every log line at every level (Trace and up): the formatted message, each
/// structured value, each scope value and the exception's ToString(). Shared across server restarts.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    /// <summary>
    /// PAYOUTVAULT_TEST_ECHO_LOGS=Warning (any LogLevel name) also writes captured lines at or above that level to
    /// stderr, for diagnosing a failing test by hand; unset in CI.
    /// </summary>
    private static readonly LogLevel? EchoLevel =
        Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("PAYOUTVAULT_TEST_ECHO_LOGS"), out var level) ? level : null;

    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    /// <summary>
    /// Every captured line as text, one entry per line (exceptions may span lines). Without trace ids, the text
    /// suits a Luhn scan: random hex span ids are sometimes all digits and then pass Luhn one time in ten.
    /// </summary>
    public string AllText(bool includeTraceIds = true) => string.Join('\n', _entries.Select(e => e.ToText(includeTraceIds)));

    public void Clear() => _entries.Clear();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static string? Render(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e when value is not string =>
            "[" + string.Join(", ", e.Cast<object?>().Select(Render)) + "]",
        _ => value.ToString(),
    };

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var properties = new List<KeyValuePair<string, string?>>();
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                foreach (var (k, v) in values) properties.Add(new(k, Render(v)));

            var scopes = new List<string>();
            owner._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (k, v) in pairs) list.Add($"{k}={Render(v)}");
                else list.Add(Render(scope) ?? "");
            }, scopes);

            var entry = new LogEntry(DateTimeOffset.UtcNow, category, logLevel, eventId,
                formatter(state, exception), properties, scopes, exception?.ToString());
            owner._entries.Enqueue(entry);
            if (EchoLevel is { } echo && logLevel >= echo) Console.Error.WriteLine(entry.ToText(includeTraceIds: false));
        }
    }
}
