using System.Diagnostics;
using System.Text;
using Grpc.Core;
using StatusCode = Grpc.Core.StatusCode;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Telemetry;

/// <summary>
/// Invariant 1 across every telemetry sink: a full flow (tokenize, bad input, payouts with bank failures, webhooks
/// including a forged one, a stream) with every log line, span, metric point and exception captured, and no card
/// number, nor any Luhn-valid 12-19 digit run, anywhere in them.
/// </summary>
public sealed class NoCardDataInTelemetryTests
{
    private const string Pan = "4242424242424242";
    private const string OtherPan = "5555555555554444";

    [Fact]
    public async Task FullFlow_LogsSpansMetricsAndExceptions_HoldNoCardNumber()
    {
        var exportedActivities = new LockedCollection<Activity>();
        var exportedMetrics = new LockedCollection<Metric>();
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Configure = builder =>
            {
                builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(exportedActivities));
                builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exportedMetrics));
            },
        });

        var token = await env.TokenizeAsync(Pan);
        await env.TokenizeAsync(OtherPan);
        var failures = new List<RpcException>
        {
            await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => env.Tokens.TokenizeAsync(
                new TokenizeRequest { Pan = Google.Protobuf.ByteString.CopyFromUtf8("4242424242424241") }).ResponseAsync),
            await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => env.Tokens.TokenizeAsync(new TokenizeRequest
            {
                Pan = Google.Protobuf.ByteString.CopyFromUtf8(Pan), Expiry = new CardExpiry { Month = 13, Year = 2030 },
            }).ResponseAsync),
        };

        var ok = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));
        var rejected = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: "reject:card_number_does_not_exist"));
        var dropped = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: "drop"));
        var forged = await env.PostWebhookAsync(Encoding.UTF8.GetBytes("{\"type\":\"payment_finished\"}"), "Zm9yZ2Vk");
        Assert.Equal(401, (int)forged.StatusCode);

        foreach (var id in new[] { ok.PayoutId, dropped.PayoutId })
            Assert.Equal(PayoutState.Succeeded, (await env.WaitForAsync(id, p => p.State == PayoutState.Succeeded)).State);
        Assert.Equal(PayoutState.Failed, rejected.State);

        using (var call = env.Payouts.WatchPayout(new WatchPayoutRequest { PayoutId = ok.PayoutId }))
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }

        env.Vault.Services.GetRequiredService<TracerProvider>().ForceFlush();
        env.Vault.Services.GetRequiredService<MeterProvider>().ForceFlush();
        // Background work (reconciler, stream feed) keeps exporting while the test reads: read a snapshot.
        var activities = exportedActivities.Snapshot();
        var metrics = exportedMetrics.Snapshot();

        Assert.Contains(activities, a => a.DisplayName == "vault.tokenize");
        Assert.Contains(activities, a => a.DisplayName == "vault.payout.send");
        Assert.Contains(activities, a => a.DisplayName == "vault.webhook");
        Assert.True(metrics.Any(m => m.Name == "payoutvault.payout.sends"), "metrics: " + string.Join(",", metrics.Select(m => m.Name)));

        var captured = new StringBuilder();
        captured.AppendLine(env.Vault.Logs.AllText(includeTraceIds: false));
        foreach (var a in activities)
        {
            captured.AppendLine(a.DisplayName).AppendLine(a.StatusDescription);
            foreach (var tag in a.TagObjects) captured.Append(tag.Key).Append('=').AppendLine(tag.Value?.ToString());
            foreach (var e in a.Events)
            {
                captured.AppendLine(e.Name);
                foreach (var tag in e.Tags) captured.Append(tag.Key).Append('=').AppendLine(tag.Value?.ToString());
            }
        }
        foreach (var m in metrics)
        {
            captured.AppendLine(m.Name);
            foreach (ref readonly var point in m.GetMetricPoints())
                foreach (var tag in point.Tags) captured.Append(tag.Key).Append('=').AppendLine(tag.Value?.ToString());
        }
        foreach (var f in failures) captured.AppendLine(f.ToString()).AppendLine(f.Status.Detail);

        var text = captured.ToString();
        Assert.False(CardDataScanner.ContainsPanDigits(text, Pan), "a card number's digits appear in telemetry");
        Assert.False(CardDataScanner.ContainsPanDigits(text, OtherPan), "a card number's digits appear in telemetry");
        Assert.Empty(CardDataScanner.FindLuhnRuns(text));
    }
}
