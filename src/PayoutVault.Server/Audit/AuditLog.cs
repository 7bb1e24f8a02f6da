using System.Collections.Concurrent;
using Grpc.Core;
using Npgsql;

namespace PayoutVault.Server.Audit;

/// <summary>
/// Appends audit records to the hash chain. Appends serialise on a transaction-level advisory lock, so each record
/// sees the previous one's hash and seq has no gaps; because the lock is released at commit, the record commits (or
/// rolls back) with the action it describes. If the append fails, the surrounding call fails.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const long ChainLockKey = 0x5041_5941_5544_4954; // "PAYAUDIT"

    /// <summary>Appends in the caller's transaction: the records commit together with the action.</summary>
    public async Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<AuditEntry> entries,
        CancellationToken ct)
    {
        if (entries.Count == 0) return;
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({ChainLockKey})", conn, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);

        long seq = 0;
        var prev = AuditChain.Genesis;
        await using (var head = new NpgsqlCommand("SELECT seq, record_hash FROM audit_log ORDER BY seq DESC LIMIT 1", conn, tx))
        await using (var r = await head.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct)) (seq, prev) = (r.GetInt64(0), r.GetFieldValue<byte[]>(1));

        var now = AuditChain.Truncate(time.GetUtcNow().UtcDateTime);
        var batch = new NpgsqlBatch(conn, tx);
        await using (batch)
        {
            foreach (var e in entries)
            {
                seq++;
                var hash = AuditChain.Hash(prev, seq, now, e);
                var cmd = new NpgsqlBatchCommand("""
                    INSERT INTO audit_log (seq, occurred_at, caller, action, object_id, outcome, request_id, detail, prev_hash, record_hash)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """);
                cmd.Parameters.Add(new NpgsqlParameter { Value = seq });
                cmd.Parameters.Add(new NpgsqlParameter { Value = now });
                cmd.Parameters.Add(new NpgsqlParameter { Value = e.Caller });
                cmd.Parameters.Add(new NpgsqlParameter { Value = e.Action });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.ObjectId ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter { Value = e.Outcome });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.RequestId ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Detail ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter { Value = prev });
                cmd.Parameters.Add(new NpgsqlParameter { Value = hash });
                batch.BatchCommands.Add(cmd);
                prev = hash;
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    private const int MaxGroup = 256;
    private readonly ConcurrentQueue<(AuditEntry Entry, TaskCompletionSource Done)> _pending = new();
    private readonly SemaphoreSlim _leader = new(1, 1);

    /// <summary>
    /// Appends in a transaction of its own, committed before this returns; if the record cannot be written, this
    /// throws. Group commit: appends are serialised on the chain lock anyway, so concurrent callers (audited reads,
    /// refusals) queue their records and whoever holds the leader slot writes everything queued in one transaction,
    /// one commit and one WAL flush for all of them, instead of one commit each.
    /// </summary>
    public async Task AppendAsync(AuditEntry entry, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested(); // once queued, the record is written whatever happens to the caller
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Enqueue((entry, done));
        while (!done.Task.IsCompleted)
        {
            // Not cancellable: a queued record is written by its own caller at the latest, never left behind.
            await _leader.WaitAsync(CancellationToken.None);
            try
            {
                if (!done.Task.IsCompleted) await WriteQueuedAsync();
            }
            finally
            {
                _leader.Release();
            }
        }
        await done.Task;
    }

    /// <summary>Writes what is queued (this caller's record among it) in one transaction; never cancelled by one caller.</summary>
    private async Task WriteQueuedAsync()
    {
        var group = new List<(AuditEntry Entry, TaskCompletionSource Done)>(MaxGroup);
        while (group.Count < MaxGroup && _pending.TryDequeue(out var item)) group.Add(item);
        if (group.Count == 0) return;
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await using var tx = await conn.BeginTransactionAsync(CancellationToken.None);
            await AppendAsync(conn, tx, group.Select(g => g.Entry).ToList(), CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
            foreach (var g in group) g.Done.TrySetResult();
        }
        catch (Exception e)
        {
            foreach (var g in group) g.Done.TrySetException(e);
        }
    }

    /// <summary>The request id for audit records: the caller's x-request-id when given, else the server's trace id.</summary>
    public static string RequestId(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var given = http.Request.Headers["x-request-id"].ToString();
        // Only id-shaped values with a letter in them: a caller's header must not smuggle digits into the trail.
        return given.Length is > 0 and <= 128 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            && given.Any(char.IsAsciiLetter) ? given : http.TraceIdentifier;
    }
}
