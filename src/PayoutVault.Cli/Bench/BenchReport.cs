using System.Globalization;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// The table, the ratios to the same-run baselines, and the targets of the throughput issue, each met, missed or
/// not measured in this run.
/// </summary>
internal sealed class BenchReport
{
    private readonly List<PhaseResult> _rows = [];

    public PhaseResult? Noop { get; set; }
    public PhaseResult? Insert { get; set; }
    public PhaseResult? Rsa { get; set; }
    public PhaseResult? Tokenize { get; set; }
    public PhaseResult? TokenizeBatch { get; set; }
    public PhaseResult? GetToken { get; set; }
    public PayoutPhaseResult? Payouts { get; set; }
    public PayoutPhaseResult? OneCaller { get; set; }
    public PhaseResult? Webhooks { get; set; }
    public FanOutResult? FanOut { get; set; }
    public string TokensLoaded { get; set; } = "no tokens preloaded";
    public long? TokensStored { get; set; }
    public SealingLag? Sealing { get; set; }

    public void Add(PhaseResult row) => _rows.Add(row);

    public void Add(PayoutPhaseResult result)
    {
        _rows.Add(result.Create);
        _rows.Add(result.Settle);
    }

    public void Print(BenchSettings settings)
    {
        Console.WriteLine();
        Console.WriteLine($"{settings.Concurrency} callers unless named, {settings.Timing.Duration.TotalSeconds:F0} s per phase "
            + $"after {settings.Timing.Warmup.TotalSeconds:F0} s warm-up; errors column: failed calls, unsettled payouts or missing events");
        Console.WriteLine(PhaseResult.Header);
        foreach (var row in _rows) Console.WriteLine(row);

        if (FanOut is { } f)
        {
            Console.WriteLine();
            Console.WriteLine($"fan-out: {f.Subscribers} subscribers, {f.Events} events each expected, {f.Missing} missing in all "
                + $"({f.IncompleteSubscribers} subscribers incomplete), {f.OutOfOrder} repeated or out of order, "
                + $"{f.WatcherGaps} cursor gaps seen by the reference watcher");
            Console.WriteLine(f.MaxRssKb is { } kb ? $"vault RSS during fan-out: max {kb / 1024} MB" : "vault RSS: not measured (no --vault-pid)");
        }
        Console.WriteLine($"tokens: {TokensLoaded}; {(TokensStored is { } n ? n.ToString(CultureInfo.InvariantCulture) : "unknown")} stored in the vault at the end");

        Console.WriteLine(Sealing is { } z
            ? $"audit sealing (record built -> sealed into the chain): {z.Sealed} records, p50 {z.P50Ms:F1} ms, "
              + $"p99 {z.P99Ms:F1} ms, max {z.MaxMs:F1} ms; {z.Unsealed} not yet sealed when read"
            : "audit sealing: not measured");

        Console.WriteLine();
        Console.WriteLine("ratios and targets (same run)                      value        target  result");
        Ratio($"CreatePayout ({settings.Concurrency}) / RSA-2048 sign, 1 core", Payouts?.Create, Rsa, 0.2);
        Ratio("Webhooks / raw INSERT", Webhooks, Insert, 0.5);
        Ratio("Tokenize / raw INSERT", Tokenize, Insert, 1.5);
        Ratio("GetToken / raw INSERT", GetToken, Insert, 1.0);
        Ratio("Tokenize / no-op gRPC", Tokenize, Noop, null);
        Ratio("TokenizeBatch cards / Tokenize calls", TokenizeBatch, Tokenize, 5.0);
        AtMost($"CreatePayout ({settings.Concurrency}) p99 ms", Payouts?.Create.P99Ms, 250);
        AtMost("CreatePayout (1 caller) p50 ms", OneCaller?.Create.P50Ms, 10);
        AtMost("Webhooks p99 ms", Webhooks?.P99Ms, 50);
        AtMost("fan-out delivery p99 ms", FanOut?.Delivery.P99Ms, 100);
        AtMost("fan-out events missing", FanOut?.Missing, 0);
        AtMost("audit commit -> sealed p99 ms", Sealing?.P99Ms, 1000);
        AtMost($"vault RSS MB ({FanOut?.Subscribers ?? 0} subs, {TokensStored ?? 0} tokens)", FanOut?.MaxRssKb / 1024.0, 300);
        if (FanOut?.MaxRssKb is not null && ((TokensStored ?? 0) < 1_000_000 || FanOut.Subscribers < 1000))
            Console.WriteLine("  (the RSS target is for 1,000 subscribers and 1,000,000 stored tokens: see --load-tokens)");
    }

    private static void Ratio(string label, PhaseResult? a, PhaseResult? b, double? target)
    {
        double? value = a is null || b is null || b.OpsPerSecond == 0 ? null : a.OpsPerSecond / b.OpsPerSecond;
        Line(label, value?.ToString("F2", CultureInfo.InvariantCulture), target is { } t ? $">= {t:F1}" : "",
            target is null ? "" : value is { } v ? v >= target ? "met" : "missed" : "not measured");
    }

    private static void AtMost(string label, double? value, double target) =>
        Line(label, value?.ToString("F1", CultureInfo.InvariantCulture), $"<= {target:F0}",
            value is { } v ? v <= target ? "met" : "missed" : "not measured");

    private static void Line(string label, string? value, string target, string result) =>
        Console.WriteLine($"  {label,-46} {value ?? "-",8} {target,12}  {result}");
}
