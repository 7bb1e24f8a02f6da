using Npgsql;

namespace PayoutVault.Core.Storage;

/// <summary>
/// What a database session says about the durability of its commits: <c>synchronous_commit</c> and
/// <c>synchronous_standby_names</c> as that session sees them (role and database settings included), and how many
/// standbys <c>pg_stat_replication</c> shows as synchronous right now (0 also when the role may not see that view's
/// details).
/// </summary>
public sealed record ReplicationSettings(string SynchronousCommit, string SynchronousStandbyNames, long SyncStandbysVisible)
{
    /// <summary>
    /// Levels at which COMMIT returns only after a synchronous standby has flushed (<c>on</c>) or applied
    /// (<c>remote_apply</c>) the WAL, so a standby promoted after the primary dies has every committed row.
    /// <c>remote_write</c> only waits for the standby's operating system to have the WAL, <c>local</c> and <c>off</c>
    /// not for the standby at all.
    /// </summary>
    public static readonly IReadOnlyList<string> SafeCommitLevels = ["on", "remote_apply"];

    /// <summary>Why a failover could lose a commit this session acknowledged, or null when it cannot.</summary>
    public string? Problem =>
        string.IsNullOrWhiteSpace(SynchronousStandbyNames)
            ? "synchronous_standby_names is empty, so no standby confirms a commit before it is acknowledged"
            : !SafeCommitLevels.Contains(SynchronousCommit.Trim().ToLowerInvariant())
                ? $"synchronous_commit is '{SynchronousCommit}', so a commit is acknowledged before a synchronous standby "
                  + "has flushed it (on or remote_apply are needed)"
                : null;

    public override string ToString() =>
        $"synchronous_commit={SynchronousCommit}, synchronous_standby_names='{SynchronousStandbyNames}', "
        + $"synchronous standbys visible now: {SyncStandbysVisible}";
}

/// <summary>
/// The start-up check that commits are synchronously replicated. A payout row is committed before its request goes
/// to the bank; if PostgreSQL then fails over to a replica that never received that commit, the caller's retry finds
/// no payout under its idempotency key, a new payout id (and bank idempotency key) is made, and the bank pays twice.
/// Only synchronous replication at <see cref="ReplicationSettings.SafeCommitLevels"/> rules that out. The check reads
/// settings only (SHOW and a view); it writes nothing.
/// </summary>
public static class SynchronousReplication
{
    public static async Task<ReplicationSettings> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var commit = await ShowAsync(conn, "synchronous_commit", ct);
        var standbys = await ShowAsync(conn, "synchronous_standby_names", ct);
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')", conn);
        var visible = (long)(await cmd.ExecuteScalarAsync(ct))!;
        return new ReplicationSettings(commit, standbys, visible);
    }

    /// <summary>The refusal text: what is wrong, why it matters, and the settings that fix it.</summary>
    public static string RefusalMessage(string connectionSetting, ReplicationSettings settings) =>
        $"{connectionSetting}: commits are not synchronously replicated ({settings.Problem}). A failover could lose a "
        + "committed payout, and a retry would then pay it a second time. Run PostgreSQL with a synchronous standby "
        + "(synchronous_standby_names set, synchronous_commit = on or remote_apply; docs/deploy/), or set "
        + "Vault:Database:AllowSingleNode=true for a single-node development database.";

    private static async Task<string> ShowAsync(NpgsqlConnection conn, string setting, CancellationToken ct)
    {
        // SHOW takes no parameters; the names are constants of this class.
        await using var cmd = new NpgsqlCommand("SHOW " + setting, conn);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>The database cannot be trusted with payouts as configured; start-up stops.</summary>
public sealed class ReplicationRefusedException(string message) : Exception(message);
