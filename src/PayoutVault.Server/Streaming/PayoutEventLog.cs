using System.Text.Json;
using Npgsql;

namespace PayoutVault.Server.Streaming;

/// <summary>
/// Reads the payout event log. Sequence values become visible out of order when transactions commit concurrently,
/// so readers never go past a gap-free high-water mark. Every appender holds a shared advisory lock from the moment
/// it takes a sequence value until it commits or rolls back; taking the same lock exclusively therefore waits out
/// every append in flight, after which max(seq) is a mark below which no new event can ever appear. Gaps that remain
/// below it are rolled-back values and stay empty forever. No timeout-based gap skipping, so nothing is ever lost.
/// </summary>
public sealed class PayoutEventLog(NpgsqlDataSource dataSource)
{
    public const long AppendLockKey = 0x5041_5945_5645_4E54; // "PAYEVENT"

    public async Task<long> ReadHighWaterAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AppendLockKey})", conn, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);
        // A new statement in READ COMMITTED takes a new snapshot, which sees every append that finished before the lock.
        await using var max = new NpgsqlCommand("SELECT COALESCE(max(seq), 0) FROM payout_events", conn, tx);
        var mark = (long)(await max.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return mark;
    }

    /// <summary>Events with after &lt; seq &lt;= upTo matching the filter, in seq order, at most limit of them.</summary>
    public async Task<IReadOnlyList<PayoutEventRecord>> ReadAsync(long after, long upTo, PayoutEventFilter filter,
        int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT seq, payout_id, kind, state, state_changed, bank_session_id, error_code, amount_minor, currency,
                   metadata::text, occurred_at
            FROM payout_events
            WHERE seq > @after AND seq <= @upTo
              AND (cardinality(@ids) = 0 OR payout_id = ANY(@ids))
              AND (cardinality(@states) = 0 OR state = ANY(@states))
            ORDER BY seq LIMIT @limit
            """);
        cmd.Parameters.AddWithValue("after", after);
        cmd.Parameters.AddWithValue("upTo", upTo);
        cmd.Parameters.AddWithValue("ids", filter.PayoutIds.ToArray());
        cmd.Parameters.AddWithValue("states", filter.States.ToArray());
        cmd.Parameters.AddWithValue("limit", limit);
        var list = new List<PayoutEventRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new PayoutEventRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetInt64(7),
                r.GetString(8), JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(9))!,
                DateTime.SpecifyKind(r.GetDateTime(10), DateTimeKind.Utc)));
        return list;
    }
}
