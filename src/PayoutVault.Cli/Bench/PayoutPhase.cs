using System.Collections.Concurrent;
using System.Diagnostics;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

/// <summary>A payout the bench created: enough to find it again and to post its webhooks.</summary>
internal sealed record CreatedPayout(string PayoutId, string BankSessionId, string BankPayoutId, long StartedAt);

/// <summary>The CreatePayout row, the settlement row, and the payouts made (the webhook phase reuses them).</summary>
internal sealed record PayoutPhaseResult(PhaseResult Create, PhaseResult Settle, IReadOnlyList<CreatedPayout> Created);

/// <summary>
/// CreatePayout through the bank sandbox with fresh idempotency keys, then a wait until every payout the phase
/// created (warm-up included) reaches a final state. The CreatePayout row times the call (it returns once the bank
/// answered); the settlement row times call start to final state, which includes the sandbox's webhook delay.
/// </summary>
internal sealed class PayoutPhase(PayoutService.PayoutServiceClient payouts, PayoutWatcher watcher, string[] cardTokens,
    TimeSpan settleTimeout)
{
    public async Task<PayoutPhaseResult> RunAsync(string name, int callers, BenchTiming timing)
    {
        var created = new ConcurrentBag<CreatedPayout>();
        var started = Stopwatch.GetTimestamp();
        var create = await PhaseRunner.RunAsync(name, callers, timing, async w =>
        {
            var t0 = Stopwatch.GetTimestamp();
            var p = await payouts.CreatePayoutAsync(PayoutRequests.New(cardTokens[w % cardTokens.Length], "load"));
            created.Add(new CreatedPayout(p.PayoutId, p.BankSessionId, p.BankPayoutId, t0));
        });
        var settle = await WaitSettledAsync(name, created.ToArray(), started);
        return new PayoutPhaseResult(create, settle, created.ToArray());
    }

    private async Task<PhaseResult> WaitSettledAsync(string name, CreatedPayout[] created, long phaseStarted)
    {
        var callsEnded = Stopwatch.GetTimestamp();
        var deadline = callsEnded + (long)(settleTimeout.TotalSeconds * Stopwatch.Frequency);
        while (created.Any(p => !watcher.TryGetFinal(p.PayoutId, out _)) && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(50);
        var waited = Stopwatch.GetElapsedTime(callsEnded);

        var latencies = new List<double>(created.Length);
        var confirmedByGet = 0;
        var unsettled = 0;
        foreach (var p in created)
        {
            if (watcher.TryGetFinal(p.PayoutId, out var finalAt))
            {
                latencies.Add(Stopwatch.GetElapsedTime(p.StartedAt, finalAt).TotalMilliseconds);
                continue;
            }
            // The stream did not show it final in time: ask the payout itself before calling it unsettled.
            var state = (await payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = p.PayoutId })).State;
            if (state is PayoutState.Succeeded or PayoutState.Failed) confirmedByGet++;
            else unsettled++;
        }
        Console.WriteLine($"  {name}: {created.Length - unsettled} of {created.Length} payouts final "
            + $"{waited.TotalSeconds:F1} s after the last call ({confirmedByGet} seen only by GetPayout, {unsettled} not final)");
        var sorted = latencies.Order().ToArray();
        var span = Stopwatch.GetElapsedTime(phaseStarted);
        return new PhaseResult($"  settled, create -> final", sorted.Length + confirmedByGet,
            (sorted.Length + confirmedByGet) / span.TotalSeconds,
            PhaseResult.Percentile(sorted, 0.50), PhaseResult.Percentile(sorted, 0.99), unsettled);
    }
}
