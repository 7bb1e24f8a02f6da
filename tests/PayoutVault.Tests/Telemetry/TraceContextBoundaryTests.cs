using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PayoutVault.Bank131;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Telemetry;

/// <summary>
/// Where trace context crosses the vault's edges. A caller on the gRPC listener (mutually authenticated) may send a
/// traceparent, and the payout's trace joins it; the caller's baggage is dropped. The bank receives no trace context
/// and no baggage: its request carries exactly the headers Bank 131 documents.
/// </summary>
public sealed class TraceContextBoundaryTests : IAsyncLifetime
{
    private PayoutCaptureBank _bank = null!;
    private PayoutEnvironment _env = null!;
    private readonly LockedCollection<Activity> _spans = new();

    public async Task InitializeAsync()
    {
        _bank = await PayoutCaptureBank.StartAsync();
        _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Settings = new Dictionary<string, string> { ["Vault:Bank131:BaseUrl"] = _bank.Address.ToString().TrimEnd('/') },
            Configure = b => b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans)),
        });
    }

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
        await _bank.DisposeAsync();
    }

    [Fact]
    public async Task CallersTraceparent_IsJoined_ButNeitherTraceContextNorBaggageReachesTheBank()
    {
        var token = await _env.TokenizeAsync();
        var callerTrace = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var headers = new Metadata
        {
            { "traceparent", $"00-{callerTrace.ToHexString()}-{callerSpan.ToHexString()}-01" },
            { "baggage", "tenant=acme" },
        };

        var payout = await _env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token), headers);

        var sent = Assert.Single(_bank.Requests, r => r.Path == Bank131Client.InitPayoutPath
            && r.Header(Bank131Headers.IdempotencyKey) == payout.PayoutId);
        foreach (var name in new[] { "traceparent", "tracestate", "baggage", "Correlation-Context", "Request-Id" })
            Assert.Null(sent.Header(name));

        _env.Vault.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var port = _env.Vault.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var call = Assert.Single(_spans.Snapshot(), a => a.Kind == ActivityKind.Server && a.TraceId == callerTrace
            && Convert.ToString(a.GetTagItem("server.port"), System.Globalization.CultureInfo.InvariantCulture) == port);
        Assert.Equal(callerSpan, call.ParentSpanId);
        Assert.Empty(call.Baggage);
        Assert.Contains(_spans.Snapshot(), a => a.TraceId == callerTrace && a.DisplayName == "vault.payout.send");
    }
}
