using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Rotation;

/// <summary>
/// Rotates the data key before AES-GCM's random-nonce limit: when the active version's reserved encryptions pass
/// <see cref="DataKeyBudget.RotateAt"/> (half the 2^32 limit), a data-key rotation starts, audited as the vault's
/// own action. Every replica watches; key administration is serialised, so one rotation starts and the others find
/// it running.
/// </summary>
public sealed class DataKeyLimitWatcher(
    DataKeyBudget budget, KeyRotator rotator, IOptions<RotationOptions> options, TimeProvider time,
    ILogger<DataKeyLimitWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Looks after each poll interval, not at once: start-up already reserved (or refused) the first block.
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(options.Value.PollInterval, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                RotationLog.PassFailed(logger, e.GetType().Name);
            }
        }
    }

    /// <summary>One look: starts a data-key rotation when the active version is past half its limit.</summary>
    internal async Task CheckAsync(CancellationToken ct)
    {
        // The database's active version, not this replica's ring: the ring may not have followed a rotation yet.
        var (version, reserved) = await budget.ActiveUsageAsync(ct);
        if (version == 0 || reserved < DataKeyBudget.RotateAt) return;
        try
        {
            await rotator.StartAsync(KeyPurpose.Data, AuditContext.Vault, ct);
        }
        catch (FailedPreconditionException)
        {
            // A rotation is already running (started here or elsewhere): its new version resets the count.
        }
    }
}
