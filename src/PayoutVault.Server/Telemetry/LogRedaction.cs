using OpenTelemetry;
using OpenTelemetry.Logs;

namespace PayoutVault.Server.Telemetry;

/// <summary>
/// The last look at every log record before the OpenTelemetry exporters see it. The vault's own log lines carry ids,
/// states and codes only (VaultLog), but framework lines can quote a caller (a request line, an exception message):
/// exceptions are reduced to their type, and any text shaped like a card number is masked.
/// </summary>
public sealed class LogRedaction : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord record)
    {
        if (record.Exception is { } exception)
        {
            record.Exception = null;
            record.Attributes = [.. record.Attributes ?? [], new("exception.type", exception.GetType().FullName)];
        }
        if (record.FormattedMessage is { } message) record.FormattedMessage = SpanRedaction.Mask(message);
        if (record.Body is { } body) record.Body = SpanRedaction.Mask(body);
        if (record.Attributes is { } attributes && attributes.Any(a => a.Value is string s && s != SpanRedaction.Mask(s)))
            record.Attributes = attributes
                .Select(a => a.Value is string s ? new KeyValuePair<string, object?>(a.Key, SpanRedaction.Mask(s)) : a)
                .ToList();
    }
}
