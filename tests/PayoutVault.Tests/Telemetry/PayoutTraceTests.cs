using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PayoutVault.Bank131;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PayoutVault.Tests.Telemetry;

/// <summary>
/// One payout is one trace: the CreatePayout call's server span holds the claim's database work, the request to the
/// (sandbox) bank, the commit of the bank's answer, and later the bank's webhook and each stream delivery of the
/// payout's events, the last two linked to the requests they happened in. Every exported value (span names,
/// attributes, events, links, baggage, metric names and labels, log records) is free of card numbers. The trace is
/// saved as text for people to read (payout-trace.txt in the test results folder; the path is printed).
/// </summary>
public sealed class PayoutTraceTests(ITestOutputHelper output)
{
    private const string Pan = "4242424242424242";

    [Fact]
    public async Task OnePayout_IsOneTrace_FromTheCallThroughBankAndWebhookToTheStream_WithNoCardData()
    {
        var spans = new LockedCollection<Activity>();
        var metrics = new LockedCollection<Metric>();
        var logs = new LockedCollection<LogRecord>();
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Configure = builder =>
            {
                builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
                builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
                // The test host replaced the vault's log providers with its capture; put OpenTelemetry's back, with
                // the exporter after the vault's own processors (as the vault's exporters are).
                builder.Services.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(logs));
                builder.Logging.AddOpenTelemetry();
            },
        });

        var running = DateTime.UtcNow;
        var token = await env.TokenizeAsync(Pan);
        // A caller's baggage holding a card number goes nowhere.
        var baggage = new Metadata { { "baggage", "note=" + Pan } };
        var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token), baggage);
        var delivered = new List<PayoutEvent>();
        using (var watch = env.Payouts.WatchPayout(new WatchPayoutRequest { PayoutId = payout.PayoutId }))
            await foreach (var e in watch.ResponseStream.ReadAllAsync()) delivered.Add(e);
        Assert.Equal(PayoutState.Succeeded, delivered[^1].State);

        // The webhook's span ends once its commit returns, which can be just after the stream saw the event.
        var provider = env.Vault.Services.GetRequiredService<TracerProvider>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Activity[] all;
        do
        {
            provider.ForceFlush();
            all = spans.Snapshot();
        } while (!all.Any(a => a.DisplayName == "vault.payout.webhook") && DateTime.UtcNow < deadline && await Pause());
        env.Vault.Services.GetRequiredService<MeterProvider>().ForceFlush();

        // Listeners are process-wide: other tests' vaults may be exporting too, so spans are matched to this vault.
        var port = env.Vault.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var call = Assert.Single(all, a => a.Kind == ActivityKind.Server && a.Source.Name == "Microsoft.AspNetCore"
            && Tag(a, "server.port") == port && Tag(a, "grpc.method") == "/payoutvault.v1.PayoutService/CreatePayout");
        var trace = all.Where(a => a.TraceId == call.TraceId).ToList();
        SaveForPeople(TraceText.Render(all, call.TraceId));

        // The call is the trace's root: the vault takes no parent from a caller that sent none.
        Assert.Equal(default, call.ParentSpanId);
        var claim = ChildOf(call, trace, "vault.group_commit payout.claim");
        Assert.Contains(trace, s => s.ParentSpanId == claim.SpanId && s.Source.Name == "Npgsql" && s.Kind == ActivityKind.Client);

        var send = ChildOf(call, trace, "vault.payout.send");
        var bank = Assert.Single(trace, s => s.ParentSpanId == send.SpanId && s.Source.Name == "System.Net.Http");
        Assert.Equal(ActivityKind.Client, bank.Kind);
        Assert.StartsWith(env.Sandbox.Address.ToString().TrimEnd('/'), Tag(bank, "url.full"), StringComparison.Ordinal);
        Assert.Equal("200", Tag(bank, "http.response.status_code"));
        var answer = ChildOf(send, trace, "vault.group_commit payout.change");
        Assert.Contains(trace, s => s.ParentSpanId == answer.SpanId && s.Source.Name == "Npgsql");

        // The webhook: a span of the payout's trace, linked both ways to the bank's request, which is a trace of its own.
        var webhook = ChildOf(call, trace, "vault.payout.webhook");
        Assert.Equal(payout.PayoutId, Tag(webhook, "vault.payout_id"));
        Assert.Equal("Applied", Tag(webhook, "vault.webhook.outcome"));
        var request = Assert.Single(all, a => a.DisplayName == "vault.webhook" && webhook.Links.Any(l => l.Context.SpanId == a.SpanId));
        Assert.NotEqual(call.TraceId, request.TraceId);
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Contains(request.Links, l => l.Context.SpanId == webhook.SpanId);
        Assert.Contains(all, a => a.TraceId == request.TraceId && a.DisplayName == "vault.group_commit webhook.ingest");
        SaveForPeople(TraceText.Render(all, call.TraceId) + "\nThe bank's webhook request, linked from vault.payout.webhook:\n"
            + TraceText.Render(all, request.TraceId));

        // Each event the stream delivered: a span of the payout's trace, linked to the WatchPayout call.
        var watchCall = Assert.Single(all, a => a.Source.Name == "Microsoft.AspNetCore"
            && Tag(a, "server.port") == port && Tag(a, "grpc.method") == "/payoutvault.v1.PayoutService/WatchPayout");
        var streamed = trace.Where(s => s.DisplayName == "vault.stream.event" && s.ParentSpanId == call.SpanId).ToList();
        Assert.Equal(delivered.Select(e => e.Cursor.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            streamed.OrderBy(s => s.StartTimeUtc).Select(s => Tag(s, "vault.event.cursor")));
        Assert.All(streamed, s => Assert.Contains(s.Links, l => l.Context.SpanId == watchCall.SpanId));
        Assert.Contains(streamed, s => Tag(s, "vault.event.kind") == "webhook" && Tag(s, "vault.payout.state") == "succeeded");
        // And once per event, when this replica's feed made it available to all of its subscribers.
        var published = trace.Where(s => s.DisplayName == "vault.stream.publish" && s.ParentSpanId == call.SpanId)
            .Select(s => Tag(s, "vault.event.cursor")).ToHashSet();
        Assert.All(delivered, e => Assert.Contains(e.Cursor.ToString(System.Globalization.CultureInfo.InvariantCulture), published));

        // Database spans only inside traces: the sequencer, feed and reconciler poll all the time, and a root span
        // per poll would bury the payouts.
        var database = new NpgsqlConnectionStringBuilder(env.Vault.ConnectionString).Database;
        Assert.DoesNotContain(all, a => a.Source.Name == "Npgsql" && a.ParentSpanId == default
            && a.StartTimeUtc > running && Tag(a, "db.namespace") == database);
        Assert.Contains(all, a => a.Source.Name == "Npgsql" && Tag(a, "db.namespace") == database);

        // Standard metrics beside the vault's own: runtime, ASP.NET Core, HttpClient, Npgsql.
        var metricNames = metrics.Snapshot().Select(m => m.Name).ToHashSet();
        foreach (var name in new[] { "dotnet.gc.collections", "http.server.request.duration", "http.client.request.duration",
                     "db.client.operation.duration", "payoutvault.payout.sends" })
            Assert.True(metricNames.Contains(name), $"no {name} metric among: {string.Join(", ", metricNames.Order())}");

        // Log records go out through OpenTelemetry too (and through the same redaction).
        Assert.Contains(logs.Snapshot(), r => r.FormattedMessage?.StartsWith("Vault started", StringComparison.Ordinal) == true);
        var values = ExportedValues(all, metrics.Snapshot(), logs.Snapshot());
        Assert.NotEmpty(values);
        Assert.Contains(values, v => v.Contains("INSERT INTO payouts", StringComparison.Ordinal)); // command text is kept
        var flagged = values.Where(CardNumberDetector.ContainsCardNumber).ToList();
        Assert.True(flagged.Count == 0, "card-number-shaped values exported: " + string.Join(" | ", flagged));
        var text = string.Join('\n', values);
        Assert.False(CardDataScanner.ContainsPanDigits(text, Pan), "the test card's digits appear in exported telemetry");
    }

    private static Activity ChildOf(Activity parent, List<Activity> trace, string name) =>
        Assert.Single(trace, s => s.ParentSpanId == parent.SpanId && s.DisplayName == name);

    private static string? Tag(Activity a, string key) =>
        Convert.ToString(a.GetTagItem(key), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<bool> Pause()
    {
        await Task.Delay(100);
        return true;
    }

    /// <summary>Every value an exporter could send, one string each.</summary>
    private static List<string> ExportedValues(Activity[] spans, Metric[] metrics, LogRecord[] logs)
    {
        var values = new List<string?>();
        foreach (var s in spans)
        {
            values.AddRange([s.DisplayName, s.OperationName, s.StatusDescription, s.TraceStateString]);
            values.AddRange(s.TagObjects.SelectMany(t => new[] { t.Key, Str(t.Value) }));
            foreach (var e in s.Events) values.AddRange(e.Tags.SelectMany(t => new[] { t.Key, Str(t.Value) }).Prepend(e.Name));
            foreach (var l in s.Links) values.AddRange((l.Tags ?? []).SelectMany(t => new[] { t.Key, Str(t.Value) }));
            values.AddRange(s.Baggage.SelectMany(b => new[] { b.Key, b.Value }));
        }
        foreach (var m in metrics)
        {
            values.AddRange([m.Name, m.Description, m.Unit, m.MeterName]);
            foreach (ref readonly var point in m.GetMetricPoints())
                foreach (var tag in point.Tags) values.AddRange([tag.Key, Str(tag.Value)]);
        }
        foreach (var r in logs)
        {
            values.AddRange([r.CategoryName, r.FormattedMessage, r.Body, r.EventId.Name, r.Exception?.ToString()]);
            values.AddRange((r.Attributes ?? []).SelectMany(a => new[] { a.Key, Str(a.Value) }));
        }
        return values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
    }

    private static string? Str(object? value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);

    private void SaveForPeople(string trace)
    {
        var folder = Environment.GetEnvironmentVariable("PAYOUTVAULT_TEST_RESULTS") is { Length: > 0 } results
            ? results
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "payout-trace.txt");
        File.WriteAllText(path, trace, new UTF8Encoding(false));
        output.WriteLine("one payout's trace: " + path);
    }
}
