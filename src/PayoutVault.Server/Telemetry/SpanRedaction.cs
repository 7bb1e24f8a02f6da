using System.Diagnostics;
using OpenTelemetry;
using PayoutVault.Bank131;

namespace PayoutVault.Server.Telemetry;

/// <summary>
/// The last look at every span before any exporter sees it. Instrumentation libraries record what a caller sent
/// (a URL path, a query string, a user agent, a Host header) and what an exception said; none of that is the vault's
/// to vouch for. So: attributes that only ever carry caller-chosen text or connection details are dropped, exception
/// events keep their type only (a database error's message can quote the value that caused it), and any remaining
/// string that holds something shaped like a card number is masked with the vault's one detector.
/// </summary>
public sealed class SpanRedaction : BaseProcessor<Activity>
{
    /// <summary>Attributes never exported: caller-chosen text, or connection details that name hosts and users.</summary>
    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal)
    {
        "url.query", "user_agent.original", "http.request.method_original", "db.npgsql.data_source",
        "db.connection_string", "db.user", "exception.message", "exception.stacktrace",
    };

    public override void OnEnd(Activity activity)
    {
        activity.DisplayName = Mask(activity.DisplayName);
        foreach (var tag in activity.TagObjects.ToArray())
        {
            if (Dropped.Contains(tag.Key)) activity.SetTag(tag.Key, null);
            else if (tag.Key == "url.full" && tag.Value is string url) activity.SetTag(tag.Key, Mask(WithoutQuery(url)));
            else if (tag.Value is string s && CardNumberDetector.ContainsCardNumber(s)) activity.SetTag(tag.Key, Mask(s));
        }
        if (activity.StatusDescription is { } description && CardNumberDetector.ContainsCardNumber(description))
            activity.SetStatus(activity.Status, Mask(description));
        foreach (var e in activity.Events) Redact(e.Tags);
        foreach (var link in activity.Links) Redact(link.Tags);
        // Baggage is never exported by the vault's exporters, and the vault takes none from callers; drop any anyway.
        foreach (var item in activity.Baggage.ToArray()) activity.SetBaggage(item.Key, null);
    }

    /// <summary>Event and link attributes are collections the instrumentation created; trimmed in place.</summary>
    private static void Redact(IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        if (tags is not ActivityTagsCollection collection) return;
        foreach (var (key, value) in collection.ToArray())
        {
            if (Dropped.Contains(key)) collection.Remove(key);
            else if (value is string s && CardNumberDetector.ContainsCardNumber(s)) collection[key] = Mask(s);
        }
    }

    private static string WithoutQuery(string url) => url.IndexOfAny(['?', '#']) is var i and >= 0 ? url[..i] : url;

    internal static string Mask(string text) => CardNumberDetector.ContainsCardNumber(text) ? CardNumberDetector.Mask(text)! : text;
}
