using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PayoutVault.Core.Telemetry;

/// <summary>
/// The vault's spans and metrics. Attributes and tags are ids, states, outcomes and counts only: a card number has
/// no path into telemetry because nothing here accepts one (reviewable in this single file).
/// </summary>
public static class VaultTelemetry
{
    public const string Name = "PayoutVault";

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Tokenizations = Meter.CreateCounter<long>(
        "payoutvault.tokenize.count", description: "Tokenize calls by outcome (created, existing, rejected)");
    public static readonly Histogram<double> TokenizeDuration = Meter.CreateHistogram<double>(
        "payoutvault.tokenize.duration", unit: "ms", description: "Tokenize latency");
    public static readonly Counter<long> PayoutSends = Meter.CreateCounter<long>(
        "payoutvault.payout.sends", description: "init/payout calls to the bank by outcome");
    public static readonly Histogram<double> PayoutSendDuration = Meter.CreateHistogram<double>(
        "payoutvault.payout.send.duration", unit: "ms", description: "Latency of the bank's init/payout");
    public static readonly Counter<long> PayoutTransitions = Meter.CreateCounter<long>(
        "payoutvault.payouts.by_state", description: "Payouts entering each state");
    public static readonly Counter<long> Webhooks = Meter.CreateCounter<long>(
        "payoutvault.webhook.count", description: "Bank webhooks by outcome");
    public static readonly Histogram<double> WebhookDuration = Meter.CreateHistogram<double>(
        "payoutvault.webhook.duration", unit: "ms", description: "Webhook handling latency, up to the answer");
    public static readonly UpDownCounter<long> StreamSubscribers = Meter.CreateUpDownCounter<long>(
        "payoutvault.stream.subscribers", description: "Open WatchPayouts/WatchPayout streams");

    public static readonly Counter<long> SealedRows = Meter.CreateCounter<long>(
        "payoutvault.sequencer.sealed", description: "Log rows given their position by the sequencer, by log");
    public static readonly Histogram<double> SealDuration = Meter.CreateHistogram<double>(
        "payoutvault.sequencer.pass.duration", unit: "ms", description: "One sequencer pass over both logs");

    public static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
