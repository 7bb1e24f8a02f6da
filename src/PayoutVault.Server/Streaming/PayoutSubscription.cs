using Microsoft.Extensions.Options;

namespace PayoutVault.Server.Streaming;

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
                foreach (var e in window.Events)
                {
                    if (e.Seq <= cursor) continue;
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
}
