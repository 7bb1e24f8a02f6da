using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// One WatchPayouts subscriber open through every payout phase: it sees each payout reach its final state (how the
/// payout phases wait for settlement) and keeps every cursor it received, the reference the fan-out check counts
/// against. It starts after a probe payout's last event, so it never replays history.
/// </summary>
internal sealed class PayoutWatcher : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> _finalAt = new(StringComparer.Ordinal);
    private readonly List<long> _cursors = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private long _gaps;

    private PayoutWatcher(PayoutService.PayoutServiceClient payouts, long fromCursor)
    {
        StartCursor = fromCursor;
        LastCursor = fromCursor;
        _reading = Task.Run(() => ReadAsync(payouts, fromCursor));
    }

    public long StartCursor { get; }

    /// <summary>The highest cursor received so far.</summary>
    public long LastCursor { get; private set; }

    /// <summary>Cursor jumps of more than one: stream positions are contiguous, so each is a lost event.</summary>
    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>
    /// Creates and settles one probe payout (also a warm-up of the whole path), then subscribes after its last event.
    /// </summary>
    public static async Task<PayoutWatcher> StartAsync(PayoutService.PayoutServiceClient payouts, string cardToken)
    {
        var probe = await payouts.CreatePayoutAsync(PayoutRequests.New(cardToken, "probe"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = payouts.WatchPayout(new WatchPayoutRequest { PayoutId = probe.PayoutId }, cancellationToken: timeout.Token);
        long last = 0;
        await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token)) last = e.Cursor;
        return new PayoutWatcher(payouts, last);
    }

    /// <summary>Stopwatch timestamp at which the payout's final state arrived, if it has.</summary>
    public bool TryGetFinal(string payoutId, out long timestamp) => _finalAt.TryGetValue(payoutId, out timestamp);

    /// <summary>How many events this subscriber received with cursor in (after, upTo].</summary>
    public long CountBetween(long after, long upTo)
    {
        // Cursors arrive in increasing order, so the list is sorted.
        lock (_gate) return Math.Max(0, FirstAbove(upTo) - FirstAbove(after));
    }

    private int FirstAbove(long cursor)
    {
        var i = _cursors.BinarySearch(cursor);
        return i >= 0 ? i + 1 : ~i;
    }

    /// <summary>Waits until this subscriber has received every event up to <paramref name="cursor"/>.</summary>
    public async Task<bool> WaitForCursorAsync(long cursor, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (LastCursor < cursor)
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }

    private async Task ReadAsync(PayoutService.PayoutServiceClient payouts, long from)
    {
        try
        {
            using var call = payouts.WatchPayouts(new WatchPayoutsRequest { FromCursor = from }, cancellationToken: _stop.Token);
            await foreach (var e in call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                if (e.Cursor != LastCursor + 1) Interlocked.Increment(ref _gaps);
                lock (_gate) _cursors.Add(e.Cursor);
                LastCursor = e.Cursor;
                if (e.State is PayoutState.Succeeded or PayoutState.Failed)
                    _finalAt.TryAdd(e.PayoutId, Stopwatch.GetTimestamp());
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested || e is RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
        catch (Exception e)
        {
            Console.WriteLine($"  payout watcher ended: {e.GetType().Name}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }
}
