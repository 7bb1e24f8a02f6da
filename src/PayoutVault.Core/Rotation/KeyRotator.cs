using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Rotation;

/// <summary>
/// Starts rotations: a new key version, wrapped by the active master key, becomes active and the old one retired,
/// in one transaction with its audit record and its key_rotations row. The re-encryption job does the rest.
/// </summary>
public sealed class KeyRotator(
    NpgsqlDataSource dataSource, KeyRing ring, DataKeyBudget budget, AuditLog audit, ReencryptionJob job,
    ILogger<KeyRotator> logger)
{
    public static string AuditAction(KeyPurpose purpose) =>
        purpose == KeyPurpose.Data ? AuditActions.KeyRotateData : AuditActions.KeyRotateFingerprint;

    public async Task<RotationProgress> StartAsync(KeyPurpose purpose, AuditContext who, CancellationToken ct)
    {
        RotationProgress progress;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            // The same lock as start-up initialisation and master-key re-wrap: key administration is serial.
            await using (var lk = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({KeyStore.KeyAdminLockKey})", conn, tx))
                await lk.ExecuteNonQueryAsync(ct);

            if ((await RotationStore.LatestAsync(conn, tx, runningOnly: true, ct)).FirstOrDefault(r => r.Purpose == purpose) is { } running)
            {
                await tx.RollbackAsync(ct);
                RotationLog.AlreadyRunning(logger, purpose.ToDb());
                await audit.AppendAsync(who.Entry(AuditAction(purpose), $"{purpose.ToDb()}/{running.NewVersion}",
                    "failed_precondition", "a rotation of this key is still running"), ct);
                throw new FailedPreconditionException(
                    $"A {purpose.ToDb()} key rotation to version {running.NewVersion} is still running " +
                    $"({running.RowsDone} of {running.RowsTotal} cards done); start another when it completes.");
            }

            var master = await ActiveMasterKeyAsync(conn, tx, ct);
            var from = await LockActiveVersionAsync(conn, tx, purpose, ct);
            int next;
            await using (var cmd = new NpgsqlCommand("SELECT max(version) + 1 FROM key_versions WHERE purpose = @p", conn, tx))
            {
                cmd.Parameters.AddWithValue("p", purpose.ToDb());
                next = (int)(await cmd.ExecuteScalarAsync(ct))!;
            }
            // Retire first: the unique index allows one active version per purpose.
            await using (var cmd = new NpgsqlCommand("""
                UPDATE key_versions SET state = 'retired', retired_at = now() WHERE purpose = @p AND version = @v
                """, conn, tx))
            {
                cmd.Parameters.AddWithValue("p", purpose.ToDb());
                cmd.Parameters.AddWithValue("v", from);
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await KeyStore.InsertVersionAsync(conn, tx, master, purpose, next, ct);

            var total = await RotationStore.RemainingAsync(conn, tx, purpose, next, ct);
            var id = await RotationStore.InsertAsync(conn, tx, purpose, from, next, total, who.Caller, ct);
            await audit.AppendAsync(conn, tx, [who.Entry(AuditAction(purpose), $"{purpose.ToDb()}/{next}", "started",
                $"retired version {from}; {total} cards to re-encrypt")], ct);
            await tx.CommitAsync(ct);
            progress = new RotationProgress(id, purpose, from, next, total, 0, false, DateTime.UtcNow, null);
            RotationLog.Started(logger, who.Caller, purpose.ToDb(), from, next, total);
        }
        // The new data key's first block of encryptions, reserved before this replica switches to it.
        if (purpose == KeyPurpose.Data) await budget.EnsureAsync(progress.NewVersion, 1, ct);
        // This replica switches at once; others follow on their next poll, or when the database refuses a stale write.
        await ring.RefreshAsync(ct);
        job.Wake();
        return progress;
    }

    /// <summary>The configured master key that the database names active; rotation wraps new versions with it.</summary>
    private async Task<IMasterKey> ActiveMasterKeyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT key_id FROM master_keys WHERE state = 'active'", conn, tx);
        var id = (string?)await cmd.ExecuteScalarAsync(ct)
            ?? throw new FailedPreconditionException("No active master key is registered.");
        return ring.FindMaster(id) ?? throw new FailedPreconditionException(
            $"The active master key '{id}' is not configured on this replica; rotate from a replica that has it.");
    }

    /// <summary>Locks the active version FOR UPDATE: waits for in-flight card inserts that pinned it FOR SHARE.</summary>
    private static async Task<int> LockActiveVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyPurpose purpose,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT version FROM key_versions WHERE purpose = @p AND state = 'active' FOR UPDATE", conn, tx);
        cmd.Parameters.AddWithValue("p", purpose.ToDb());
        return (int?)await cmd.ExecuteScalarAsync(ct)
            ?? throw new FailedPreconditionException($"No active {purpose.ToDb()} key version.");
    }
}
