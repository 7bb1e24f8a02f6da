namespace PayoutVault.Core.Audit;

/// <summary>
/// Records the vault process stopping (PCI DSS 10.2.1.6 asks for start and stop; the start record is written by
/// VaultHost.StartAsync once keys are loaded). It stops before the checkpointer, so the final checkpoint covers it.
/// </summary>
public sealed class VaultLifecycleAudit(AuditLog audit, ILogger<VaultLifecycleAudit> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await audit.AppendAsync(new AuditEntry("vault", AuditActions.VaultStopped, null, "ok", null, "graceful shutdown"), cancellationToken);
        }
        catch (Exception e)
        {
            // The database may already be gone; a stop without its record is visible as a start with no stop before it.
            Logging.VaultLog.AuditWriteFailed(logger, AuditActions.VaultStopped, e.GetType().Name);
        }
    }
}
