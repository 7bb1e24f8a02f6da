using System.Diagnostics;

namespace PayoutVault.Core.Telemetry;

/// <summary>
/// Spans that belong to a payout's trace but run in another request. The bank's webhook arrives later as its own HTTP
/// request (it starts its own trace: the vault takes no trace context from the bank), and a stream delivers the
/// payout's events inside a subscriber's call. Each records a span whose parent is the payout's stored context (the
/// CreatePayout call's span), with a link to the request it happened in, so the payout's trace reads
/// CreatePayout -> database -> bank -> webhook -> stream event, and from each late span one click reaches the request.
/// </summary>
public static class PayoutTrace
{
    public static Activity? Start(string name, string? payoutTraceParent, ActivityKind kind = ActivityKind.Internal,
        DateTimeOffset startTime = default)
    {
        var current = Activity.Current;
        if (!TraceParent.TryParse(payoutTraceParent, out var payout))
            // A payout from before trace contexts were stored: the span stays in the request's own trace.
            return VaultTelemetry.Source.StartActivity(name, kind, current?.Context ?? default, startTime: startTime);
        ActivityLink[]? links = current is null ? null : [new ActivityLink(current.Context)];
        return VaultTelemetry.Source.StartActivity(name, kind, payout, links: links, startTime: startTime);
    }
}
