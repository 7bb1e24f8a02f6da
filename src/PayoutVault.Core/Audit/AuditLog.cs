using Npgsql;
using PayoutVault.Core.Storage;

namespace PayoutVault.Core.Audit;

/// <summary>
/// Appends audit records. A record is an INSERT in the transaction of the action it describes (or, for actions with
/// no transaction of their own, in a group-committed one before the reply), so it commits or rolls back with the
/// action and a failed write fails the call. Records are written unsealed: the sequencer (AuditSealer, run by one
/// replica per database) gives them their chain position and hashes shortly after they commit. No lock is taken, so
/// writers never wait for each other or for the chain.
/// </summary>
public sealed class AuditLog : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly GroupCommit<AuditEntry, bool> _standalone;

    public AuditLog(NpgsqlDataSource dataSource, TimeProvider time)
    {
        _time = time;
        _standalone = new GroupCommit<AuditEntry, bool>(dataSource, async (conn, tx, entries, ct) =>
        {
            await AppendAsync(conn, tx, entries, ct);
            return new bool[entries.Count];
        }, maxBatch: 256);
    }

    /// <summary>Appends in the caller's transaction: the records commit together with the action.</summary>
    public async Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<AuditEntry> entries,
        CancellationToken ct)
    {
        if (entries.Count == 0) return;
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        AddParameters(cmd.Parameters, Now(), entries);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The same INSERT as a batch command, for callers that send several statements in one round trip. The rows get
    /// their ids (insertion order) in the order given.
    /// </summary>
    public NpgsqlBatchCommand AppendCommand(IReadOnlyList<AuditEntry> entries)
    {
        var cmd = new NpgsqlBatchCommand(InsertSql);
        AddParameters(cmd.Parameters, Now(), entries);
        return cmd;
    }

    private const string InsertSql = """
        INSERT INTO audit_log (occurred_at, caller, action, object_id, outcome, request_id, detail)
        SELECT @at, caller, action, object_id, outcome, request_id, detail
        FROM unnest(@callers, @actions, @objects, @outcomes, @requests, @details)
             WITH ORDINALITY AS e(caller, action, object_id, outcome, request_id, detail, n)
        ORDER BY n
        """;

    private static void AddParameters(NpgsqlParameterCollection p, DateTime at, IReadOnlyList<AuditEntry> entries)
    {
        p.AddWithValue("at", at);
        p.AddWithValue("callers", entries.Select(e => e.Caller).ToArray());
        p.AddWithValue("actions", entries.Select(e => e.Action).ToArray());
        p.Add(new NpgsqlParameter("objects", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = entries.Select(e => e.ObjectId).ToArray() });
        p.AddWithValue("outcomes", entries.Select(e => e.Outcome).ToArray());
        p.Add(new NpgsqlParameter("requests", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = entries.Select(e => e.RequestId).ToArray() });
        p.Add(new NpgsqlParameter("details", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = entries.Select(e => e.Detail).ToArray() });
    }

    // PostgreSQL keeps microseconds: truncated here so the sealer hashes exactly what is stored.
    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow().UtcDateTime);

    /// <summary>
    /// Appends in a transaction of its own, committed before this returns; if the record cannot be written, this
    /// throws. Concurrent callers (audited reads, refusals) share transactions: one commit for a group of records.
    /// </summary>
    public async Task AppendAsync(AuditEntry entry, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested(); // once queued, the record is written whatever happens to the caller
        await _standalone.SubmitAsync(entry, CancellationToken.None);
    }

    public ValueTask DisposeAsync() => _standalone.DisposeAsync();

    /// <summary>
    /// The request id for audit records: the caller's id when it is id-shaped with a letter in it (a caller's header
    /// must not smuggle digits into the trail), else <paramref name="fallback"/> (the server's own trace id).
    /// </summary>
    public static string RequestId(string? given, string fallback) =>
        given is { Length: > 0 and <= 128 } && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            && given.Any(char.IsAsciiLetter) ? given : fallback;
}
