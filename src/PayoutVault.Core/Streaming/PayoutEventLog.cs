using System.Text.Json;
using Npgsql;

namespace PayoutVault.Core.Streaming;

/// <summary>
/// The payout event log's one home: appends (inside the transaction of the change they describe), the high-water
/// mark and reads. Appended events have no position until the sequencer seals them (PayoutEventSealer); positions are
/// contiguous and assigned one batch at a time by one writer, so max(seq) is a gap-free mark: nothing can ever appear
/// below it, and readers need no lock. Appenders never wait for readers or for each other.
/// </summary>
public sealed class PayoutEventLog(NpgsqlDataSource dataSource)
{
    /// <summary>An event to append: what happened to which payout, with the payout's state after it.</summary>
    public sealed record NewEvent(string PayoutId, string Kind, string State, bool StateChanged, string? BankSessionId,
        string? ErrorCode, long AmountMinor, string Currency, IReadOnlyDictionary<string, string> Metadata);

    private const string AppendSql = """
        INSERT INTO payout_events (payout_id, kind, state, state_changed, bank_session_id, error_code,
                                   amount_minor, currency, metadata, occurred_at)
        VALUES (@id, @kind, @state, @changed, @session, @error, @amount, @currency, @metadata::jsonb, clock_timestamp())
        """;

    /// <summary>The append as a batch command, to travel with the change it records in one round trip.</summary>
    public static NpgsqlBatchCommand AppendCommand(NewEvent e)
    {
        var cmd = new NpgsqlBatchCommand(AppendSql);
        cmd.Parameters.AddWithValue("id", e.PayoutId);
        cmd.Parameters.AddWithValue("kind", e.Kind);
        cmd.Parameters.AddWithValue("state", e.State);
        cmd.Parameters.AddWithValue("changed", e.StateChanged);
        cmd.Parameters.AddWithValue("session", (object?)e.BankSessionId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("error", (object?)e.ErrorCode ?? DBNull.Value);
        cmd.Parameters.AddWithValue("amount", e.AmountMinor);
        cmd.Parameters.AddWithValue("currency", e.Currency);
        cmd.Parameters.AddWithValue("metadata", JsonSerializer.Serialize(e.Metadata));
        return cmd;
    }

    /// <summary>
    /// An event that copies a payout row as the statements before it in the same transaction left it (state, bank
    /// session, error code): the event can never disagree with the row it describes.
    /// </summary>
    public static NpgsqlBatchCommand AppendFromPayoutCommand(string payoutId, string kind, bool stateChanged)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO payout_events (payout_id, kind, state, state_changed, bank_session_id, error_code,
                                       amount_minor, currency, metadata, occurred_at)
            SELECT payout_id, @kind, state, @changed, bank_session_id, error_code, amount_minor, currency, metadata,
                   clock_timestamp()
            FROM payouts WHERE payout_id = @id
            """);
        cmd.Parameters.AddWithValue("id", payoutId);
        cmd.Parameters.AddWithValue("kind", kind);
        cmd.Parameters.AddWithValue("changed", stateChanged);
        return cmd;
    }

    /// <summary>Appends in the caller's transaction; the event commits with the change it records.</summary>
    public static async Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewEvent e, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { AppendCommand(e) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The highest sealed position: every event at or below it is visible, and none can appear later.</summary>
    public async Task<long> ReadHighWaterAsync(CancellationToken ct)
    {
        await using var max = dataSource.CreateCommand("SELECT COALESCE(max(seq), 0) FROM payout_events");
        return (long)(await max.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Events with after &lt; seq &lt;= upTo matching the filter, in seq order, at most limit of them.</summary>
    public async Task<IReadOnlyList<PayoutEventRecord>> ReadAsync(long after, long upTo, PayoutEventFilter filter,
        int limit, CancellationToken ct)
    {
        // The owner is the payout's creator: payouts are never deleted (events reference them), so the join always
        // finds it, and the feed's one read per batch carries it for every subscriber's in-memory filter.
        await using var cmd = dataSource.CreateCommand("""
            SELECT e.seq, e.payout_id, e.kind, e.state, e.state_changed, e.bank_session_id, e.error_code, e.amount_minor,
                   e.currency, e.metadata::text, e.occurred_at, p.caller
            FROM payout_events e JOIN payouts p ON p.payout_id = e.payout_id
            WHERE e.seq > @after AND e.seq <= @upTo
              AND (cardinality(@ids) = 0 OR e.payout_id = ANY(@ids))
              AND (cardinality(@states) = 0 OR e.state = ANY(@states))
              AND (@owner::text IS NULL OR p.caller = @owner::text)
            ORDER BY e.seq LIMIT @limit
            """);
        cmd.Parameters.AddWithValue("owner", (object?)filter.Owner ?? DBNull.Value);
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
                DateTime.SpecifyKind(r.GetDateTime(10), DateTimeKind.Utc), r.GetString(11)));
        return list;
    }
}
