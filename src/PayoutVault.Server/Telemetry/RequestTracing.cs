using System.Diagnostics;

namespace PayoutVault.Server.Telemetry;

/// <summary>
/// Which incoming requests the ASP.NET Core instrumentation records. Calls on the gRPC listener (HTTP/2) are, and
/// join the caller's trace when it sends a traceparent: callers are mutually authenticated services. Health probes
/// are not (a span every few seconds per probe says nothing). The bank-facing webhook listener (HTTP/1.1) is not
/// either: the bank is outside the vault's trust boundary, so its request is recorded by the vault's own
/// "vault.webhook" span, which starts a trace of its own whatever the request's headers say. The capture page's
/// listener (browsers, HTTP/1.1 and HTTP/2) is not traced.
/// </summary>
public static class RequestTracing
{
    public static bool IsTraced(HttpContext http) =>
        string.Equals(http.Request.Protocol, "HTTP/2", StringComparison.Ordinal)
        && !Capture.CaptureListener.IsCaptureConnection(http)
        && !http.Request.Path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal);

    /// <summary>The vault neither uses nor forwards a caller's baggage: drop it where the request starts.</summary>
    public static void OnRequest(Activity activity, HttpRequest request)
    {
        foreach (var item in activity.Baggage.ToArray()) activity.SetBaggage(item.Key, null);
    }
}
