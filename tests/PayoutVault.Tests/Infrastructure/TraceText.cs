using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// One trace as indented text a person can read: each span with its source, kind, start offset, duration and
/// attributes, children under their parent, links named by the span they point to when it was exported too.
/// </summary>
public static class TraceText
{
    public static string Render(IReadOnlyList<Activity> all, ActivityTraceId traceId)
    {
        var spans = all.Where(a => a.TraceId == traceId).OrderBy(a => a.StartTimeUtc).ToList();
        var bySpanId = all.GroupBy(a => a.SpanId).ToDictionary(g => g.Key, g => g.First());
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var children = spans.Where(s => ids.Contains(s.ParentSpanId)).ToLookup(s => s.ParentSpanId);
        var origin = spans.Count > 0 ? spans[0].StartTimeUtc : DateTime.UtcNow;
        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"trace {traceId}");
        foreach (var root in spans.Where(s => !ids.Contains(s.ParentSpanId))) Write(root, 1);
        return text.ToString();

        void Write(Activity span, int depth)
        {
            var pad = new string(' ', depth * 2);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{pad}{span.DisplayName}  [{span.Source.Name}, {span.Kind}] +{(span.StartTimeUtc - origin).TotalMilliseconds:0.0} ms, {span.Duration.TotalMilliseconds:0.0} ms{(span.Status == ActivityStatusCode.Error ? ", ERROR" : "")}");
            foreach (var tag in span.TagObjects.OrderBy(t => t.Key, StringComparer.Ordinal))
                text.AppendLine(CultureInfo.InvariantCulture, $"{pad}    {tag.Key} = {OneLine(tag.Value)}");
            foreach (var e in span.Events)
                text.AppendLine(CultureInfo.InvariantCulture, $"{pad}    event: {e.Name}");
            foreach (var link in span.Links)
                text.AppendLine(CultureInfo.InvariantCulture, $"{pad}    link -> {(bySpanId.TryGetValue(link.Context.SpanId, out var to) ? to.DisplayName + " in " : "")}trace {link.Context.TraceId}");
            foreach (var child in children[span.SpanId].OrderBy(c => c.StartTimeUtc)) Write(child, depth + 1);
        }
    }

    private static string OneLine(object? value)
    {
        var s = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        s = string.Join(' ', s.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
        return s.Length > 160 ? s[..157] + "..." : s;
    }
}
