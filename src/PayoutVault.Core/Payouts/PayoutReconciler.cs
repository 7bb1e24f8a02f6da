using Microsoft.Extensions.Options;
using PayoutVault.Bank131;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Logging;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// Settles every payout whose outcome is open: left in created or submitted by a crash, unknown after a timeout or a
/// lost response, or accepted but never finished by a webhook. It never creates a second bank payout: a resend uses
/// the payout's own idempotency key, and with a bank session id it only asks session/status. Leases taken with
/// SKIP LOCKED let every replica run it.
/// </summary>
public sealed class PayoutReconciler(
    PayoutStore store, PayoutSender sender, Bank131Gateway bank, ProcessLease lease, TimeProvider time,
    IOptions<PayoutOptions> options, ILogger<PayoutReconciler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Sends orphaned by a dead process (this one before a restart, or another replica) are due at once.
                var orphaned = await store.ReleaseDeadLeasesAsync(lease.Owner, stoppingToken);
                if (orphaned > 0) VaultLog.DeadLeasesReleased(logger, orphaned);
                var due = await store.LeaseDueAsync(16, options.Value.InFlightLease, lease.Owner, stoppingToken);
                foreach (var payout in due) await ReconcileAsync(payout, stoppingToken);
                if (due.Count > 0) continue;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                VaultLog.ReconcileFailed(logger, e.GetType().Name);
            }
            try { await Task.Delay(options.Value.PollInterval, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private static readonly AuditContext Reconciler = new("vault.reconciler", null);

    public async Task<PayoutRecord> ReconcileAsync(PayoutRecord payout, CancellationToken ct)
    {
        VaultLog.Reconciling(logger, payout.PayoutId, payout.State.ToDb());
        if (payout.State == PayoutState.Created) return await sender.SendNewAsync(payout.PayoutId, Reconciler, ct);
        if (payout.BankSessionId is null) return await sender.ResendAsync(payout, Reconciler, ct);
        return await CheckStatusAsync(payout, ct);
    }

    private async Task<PayoutRecord> CheckStatusAsync(PayoutRecord payout, CancellationToken ct)
    {
        var status = await bank.Client.GetSessionStatusAsync(payout.BankSessionId!, ct);
        var next = time.GetUtcNow().UtcDateTime + options.Value.Backoff(payout.CheckAttempts);
        var reported = status.Failed ? null : PayoutStates.FromBank(status.PayoutStatus);
        var change = reported is { } state
            ? new PayoutChange("reconciled", state)
            {
                BankPayoutId = status.BankPayoutId,
                ErrorCode = status.ErrorCode,
                ErrorDescription = status.ErrorDescription,
                CountCheck = true,
                NextCheckAt = next,
            }
            : new PayoutChange("reconciled") { CountCheck = true, NextCheckAt = next };
        var applied = await store.ApplyAsync(payout.PayoutId, _ => change, ct);
        if (applied is { Moved: true } a) VaultLog.PayoutMoved(logger, a.Payout.PayoutId, a.Payout.State.ToDb(), "reconciled");
        return applied?.Payout ?? payout;
    }
}
