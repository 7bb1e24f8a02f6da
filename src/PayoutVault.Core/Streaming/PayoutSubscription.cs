using Microsoft.Extensions.Options;

namespace PayoutVault.Core.Streaming;

/// <summary>
/// Delivers events after a cursor, in order, exactly once. The subscriber owns a single cursor and advances it only
/// through gap-free ranges: the in-memory window when its cursor is inside it (live), otherwise pages read from the
/// database up to the high-water mark (catch-up). So there is no separate "switch to live" that could drop or repeat
/// an event, and a slow subscriber costs no memory: when the window moves past it, it simply reads from the database.
/// Awaiting each write is the backpressure.
/// </summary>
public sealed class PayoutSubscription(PayoutEventFeed feed, PayoutEventLog log, IOptions<StreamingOptions> options)
{
    /// <summary>Runs until cancelled, or until <paramref name="deliver"/> returns false (stop after this event).</summary>
    public async Task RunAsync(long fromCursor, PayoutEventFilter filter,
        Func<PayoutEventRecord, Task<bool>> deliver, CancellationToken ct)
    {
        await feed.Ready.WaitAsync(ct);
        var cursor = fromCursor;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var window = feed.Current;
            if (cursor >= window.UpTo)
            {
                await feed.WaitBeyondAsync(cursor, ct);
                continue;
            }
            if (cursor >= window.CoveredFrom)
            {
                var events = window.Events;
                for (var i = FirstAfter(events, cursor); i < events.Length; i++)
                {
                    var e = events[i];
                    cursor = e.Seq;
                    if (filter.Matches(e) && !await deliver(e)) return;
                }
                cursor = window.UpTo;
                continue;
            }
            var page = await log.ReadAsync(cursor, window.UpTo, filter, options.Value.CatchUpPageSize, ct);
            foreach (var e in page)
            {
                cursor = e.Seq;
                if (!await deliver(e)) return;
            }
            if (page.Count < options.Value.CatchUpPageSize) cursor = window.UpTo;
        }
    }

    /// <summary>Index of the first event after the cursor (events are in seq order): a thousand subscribers woken by
    /// one batch each start where they left off instead of scanning the whole window.</summary>
    private static int FirstAfter(PayoutEventRecord[] events, long cursor)
    {
        int lo = 0, hi = events.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (events[mid].Seq <= cursor) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
