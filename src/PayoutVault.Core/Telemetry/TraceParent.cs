using System.Diagnostics;

namespace PayoutVault.Core.Telemetry;

/// <summary>
/// A span context as a W3C traceparent string ("00-{trace id}-{span id}-{flags}"): how a payout keeps the context of
/// the call that created it, so work that happens later in other requests (the bank's webhook, stream deliveries)
/// joins the payout's trace. Ids and a sampled flag only: random numbers, no data.
/// </summary>
public static class TraceParent
{
    /// <summary>The traceparent of the current span, or null when nothing is being traced.</summary>
    public static string? OfCurrent() => Activity.Current is { } a ? Format(a.Context) : null;

    public static string? Format(ActivityContext context) => context == default
        ? null
        : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(byte)context.TraceFlags:x2}";

    public static bool TryParse(string? traceParent, out ActivityContext context)
    {
        context = default;
        return traceParent is { Length: 55 } && ActivityContext.TryParse(traceParent, null, isRemote: false, out context);
    }
}
