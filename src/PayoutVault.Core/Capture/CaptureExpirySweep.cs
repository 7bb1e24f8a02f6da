using Microsoft.Extensions.Options;

namespace PayoutVault.Core.Capture;

/// <summary>
/// Gives every unused session its outcome in the audit trail: open sessions past their expiry are marked expired,
/// each with a capture.expired record. Runs on every replica; SKIP LOCKED keeps replicas from marking one twice.
/// </summary>
public sealed class CaptureExpirySweep(CaptureSessionStore store, IOptions<CaptureOptions> options, TimeProvider time,
    ILogger<CaptureExpirySweep> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ExpirySweepInterval, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int marked;
                var total = 0;
                do total += marked = await store.ExpireDueAsync(time.GetUtcNow().UtcDateTime, BatchSize, null, stoppingToken);
                while (marked == BatchSize);
                if (total > 0) CaptureLog.Expired(logger, total);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                CaptureLog.SweepFailed(logger, e.GetType().Name);
            }
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
