using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

/// <summary>What the fan-out phase saw: the delivery-latency row and the completeness check.</summary>
internal sealed record FanOutResult(PayoutPhaseResult Payouts, PhaseResult Delivery, int Subscribers, long Events,
    long Missing, int IncompleteSubscribers, long OutOfOrder, long WatcherGaps, long? MaxRssKb);

/// <summary>
/// Many WatchPayouts subscribers open while a payout phase runs. Each times every event from its <c>occurred_at</c>
/// to its arrival, and counts what it got; afterwards each subscriber's count is compared with the events the
/// reference watcher received over the same cursor range, so a subscriber that lost an event shows as missing.
/// </summary>
internal sealed class FanOutPhase(GrpcChannel channel, PayoutWatcher watcher, PayoutPhase payoutPhase,
    PayoutService.PayoutServiceClient payouts, string cardToken)
{
    private sealed class Subscriber
    {
        public long Count;
        public long Last;
        public long OutOfOrder;
        public Task Reading = Task.CompletedTask;
    }

    public async Task<FanOutResult> RunAsync(string name, int subscriberCount, int callers, BenchTiming timing,
        int? vaultPid, TimeSpan settleTimeout)
    {
        var client = new PayoutService.PayoutServiceClient(channel);
        var from = watcher.LastCursor;
        var histogram = new LatencyHistogram();
        var measureAfter = long.MaxValue;
        using var stop = new CancellationTokenSource();
        await using var memory = VaultMemory.Watch(vaultPid);
        if (vaultPid is { } pid && VaultMemory.ReadRssKb(pid) is { } before)
            Console.WriteLine($"  vault RSS before subscribing: {before / 1024} MB");

        Console.WriteLine($"  opening {subscriberCount} WatchPayouts subscribers after cursor {from}");
        var subscribers = Enumerable.Range(0, subscriberCount).Select(_ => new Subscriber { Last = from }).ToArray();
        foreach (var s in subscribers)
            s.Reading = Task.Run(() => ReadAsync(client, s, from, histogram, () => Volatile.Read(ref measureAfter), stop.Token));

        // A probe payout proves every subscriber is live before the load starts; its events are not timed.
        var probe = await payouts.CreatePayoutAsync(PayoutRequests.New(cardToken, "fanout-probe"));
        var probeDeadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (!watcher.TryGetFinal(probe.PayoutId, out _) && Stopwatch.GetTimestamp() < probeDeadline) await Task.Delay(20);
        var probeEnd = watcher.LastCursor;
        if (!await AllReachedAsync(subscribers, probeEnd, TimeSpan.FromSeconds(60)))
            Console.WriteLine($"  not every subscriber received the probe's events within 60 s");
        Volatile.Write(ref measureAfter, probeEnd);

        var load = await payoutPhase.RunAsync(name, callers, timing);

        // Every payout is final: wait for the stream to carry its last events to every subscriber, then compare.
        var end = watcher.LastCursor;
        var complete = await AllReachedAsync(subscribers, end, settleTimeout);
        if (!complete) Console.WriteLine($"  not every subscriber reached cursor {end} within {settleTimeout.TotalSeconds:F0} s");
        await stop.CancelAsync();
        await Task.WhenAll(subscribers.Select(s => s.Reading));
        var top = Math.Max(end, subscribers.Max(s => Volatile.Read(ref s.Last)));
        await watcher.WaitForCursorAsync(top, TimeSpan.FromSeconds(10));

        var expected = watcher.CountBetween(from, top);
        long missing = 0;
        var incomplete = 0;
        foreach (var s in subscribers)
        {
            var lost = expected - s.Count;
            if (lost > 0) { missing += lost; incomplete++; }
        }
        var delivery = new PhaseResult($"  fan-out delivery ({subscriberCount} subs)", histogram.Count,
            histogram.Count / timing.Duration.TotalSeconds, histogram.Percentile(0.50), histogram.Percentile(0.99), missing);
        return new FanOutResult(load, delivery, subscriberCount, expected, missing, incomplete,
            subscribers.Sum(s => s.OutOfOrder), watcher.Gaps, memory?.MaxKb);
    }

    private static async Task ReadAsync(PayoutService.PayoutServiceClient client, Subscriber s, long from,
        LatencyHistogram histogram, Func<long> measureAfter, CancellationToken ct)
    {
        try
        {
            using var call = client.WatchPayouts(new WatchPayoutsRequest { FromCursor = from }, cancellationToken: ct);
            await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
            {
                var received = DateTime.UtcNow;
                if (e.Cursor > measureAfter())
                    histogram.Record(Math.Max(0, (received - e.OccurredAt.ToDateTime()).TotalMilliseconds));
                if (e.Cursor <= s.Last) { s.OutOfOrder++; continue; } // a repeat must not hide a loss
                s.Count++;
                Volatile.Write(ref s.Last, e.Cursor);
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Console.WriteLine($"  a subscriber ended early: {e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task<bool> AllReachedAsync(Subscriber[] subscribers, long cursor, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (subscribers.Any(s => Volatile.Read(ref s.Last) < cursor))
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }
}
