using Microsoft.Extensions.Options;
using System.Diagnostics;
using Npgsql;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Core.Streaming;

/// <summary>
/// One per replica: follows the event log up to its gap-free high-water mark and keeps the most recent events in a
/// bounded buffer that live subscribers read without touching the database. Wakes on NOTIFY from any replica and
/// polls as the fallback, so a webhook stored by another replica reaches this one's subscribers either way.
/// </summary>
public sealed class PayoutEventFeed(
    PayoutEventLog log, SessionDataSource dataSource, IOptions<StreamingOptions> options, ILogger<PayoutEventFeed> logger)
    : BackgroundService
{
    /// <summary>Every event with CoveredFrom &lt; seq &lt;= UpTo, in seq order.</summary>
    public sealed record Window(long CoveredFrom, long UpTo, PayoutEventRecord[] Events);

    private volatile Window? _window;
    private TaskCompletionSource _advanced = NewSignal();
    private readonly TaskCompletionSource _ready = NewSignal();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public Window Current => _window ?? throw new InvalidOperationException("The event feed has not started.");

    public Task Ready => _ready.Task;

    /// <summary>Completes once the high-water mark is beyond <paramref name="cursor"/>.</summary>
    public async Task WaitBeyondAsync(long cursor, CancellationToken ct)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _advanced);
            if (Current.UpTo > cursor) return;
            await signal.Task.WaitAsync(ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = Task.Run(() => ListenAsync(stoppingToken), stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await AdvanceAsync(stoppingToken);
                _ready.TrySetResult();
                await _wake.WaitAsync(options.Value.PollInterval, stoppingToken);
                // Coalesce a burst of NOTIFYs into one advance: one read serves every subscriber of this replica.
                while (_wake.Wait(0)) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                VaultLog.FeedFailed(logger, e.GetType().Name);
                try { await Task.Delay(options.Value.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        await listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AdvanceAsync(CancellationToken ct)
    {
        var mark = await log.ReadHighWaterAsync(ct);
        var window = _window;
        if (window is null)
        {
            // Start with an empty window at the mark: history is served from the database on demand.
            Publish(new Window(mark, mark, []));
            return;
        }
        if (mark <= window.UpTo) return;

        // Positions are contiguous, so the newest `capacity` events are exactly seq > mark - capacity: however far
        // behind this replica fell, it reads at most one window's worth, and older events stay in the database.
        var capacity = options.Value.LiveBufferSize;
        var from = Math.Max(window.UpTo, mark - capacity);
        var fresh = new List<PayoutEventRecord>((int)Math.Min(mark - from, capacity));
        var after = from;
        while (true)
        {
            var page = await log.ReadAsync(after, mark, PayoutEventFilter.All, 1000, ct);
            fresh.AddRange(page);
            if (page.Count < 1000) break;
            after = page[^1].Seq;
        }
        TracePublished(fresh);
        var keep = from == window.UpTo ? window.Events : [];
        var coveredFrom = from == window.UpTo ? window.CoveredFrom : from;
        var combined = keep.Concat(fresh).ToArray();
        if (combined.Length > capacity)
        {
            coveredFrom = combined[combined.Length - capacity - 1].Seq;
            combined = combined[^capacity..];
        }
        Publish(new Window(coveredFrom, mark, combined));
    }

    /// <summary>
    /// One span per event per replica, in the payout's trace: the moment the event became available to every live
    /// subscriber of this replica. Firehose deliveries get no span each (see WatchPayouts); a subscriber's lag past this
    /// moment is its own stream's backpressure.
    /// </summary>
    private static void TracePublished(List<PayoutEventRecord> events)
    {
        if (!VaultTelemetry.Source.HasListeners()) return;
        foreach (var e in events)
        {
            using var span = PayoutTrace.Start("vault.stream.publish", e.TraceParent, ActivityKind.Producer);
            span?.SetTag("vault.payout_id", e.PayoutId).SetTag("vault.event.cursor", e.Seq)
                .SetTag("vault.event.kind", e.Kind).SetTag("vault.payout.state", e.State);
        }
    }

    private void Publish(Window window)
    {
        _window = window;
        Interlocked.Exchange(ref _advanced, NewSignal()).TrySetResult();
    }

    /// <summary>LISTEN on a dedicated connection; each notification just wakes the loop above.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                conn.Notification += (_, _) => _wake.Release();
                await using (var cmd = new NpgsqlCommand($"LISTEN {PayoutEventSealer.Channel}", conn))
                    await cmd.ExecuteNonQueryAsync(ct);
                _wake.Release(); // catch anything committed before LISTEN took effect
                while (!ct.IsCancellationRequested) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                VaultLog.FeedFailed(logger, e.GetType().Name);
                try { await Task.Delay(options.Value.PollInterval, ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
