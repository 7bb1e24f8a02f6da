using Npgsql;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// What a refused request must leave as it was, read in one query on one open connection (the suite reads it twice
/// per case): row counts of payouts, payout_events, cards and webhook_deliveries, a digest of every payout's state
/// and every card's deletion and use, and the newest audit record, so the records a case added can be listed.
/// </summary>
public sealed class StoreProbe : IAsyncDisposable
{
    public sealed record State(long Payouts, long Events, long Cards, long Deliveries, string PayoutsDigest,
        string CardsDigest, long LastAuditId)
    {
        /// <summary>Everything but webhook_deliveries and the audit trail, which cases are allowed to add to.</summary>
        public object Untouchable => (Payouts, Events, Cards, PayoutsDigest, CardsDigest);
    }

    private readonly NpgsqlConnection _conn;

    private StoreProbe(NpgsqlConnection conn) => _conn = conn;

    public static async Task<StoreProbe> OpenAsync(string connectionString)
    {
        var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        return new StoreProbe(conn);
    }

    public async Task<State> ReadAsync()
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM payouts), (SELECT count(*) FROM payout_events), (SELECT count(*) FROM cards),
                   (SELECT count(*) FROM webhook_deliveries),
                   (SELECT COALESCE(md5(string_agg(payout_id || ':' || state || ':' || updated_at::text, ',' ORDER BY payout_id)), '') FROM payouts),
                   (SELECT COALESCE(md5(string_agg(token || ':' || COALESCE(deleted_at::text, '') || ':' || COALESCE(last_used_at::text, ''), ',' ORDER BY token)), '') FROM cards),
                   (SELECT COALESCE(max(id), 0) FROM audit_log)
            """, _conn);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new State(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetInt64(6));
    }

    /// <summary>The audit records written after <paramref name="lastAuditId"/>, as "action" per record, in order.</summary>
    public async Task<List<string>> AuditActionsAfterAsync(long lastAuditId)
    {
        await using var cmd = new NpgsqlCommand("SELECT action FROM audit_log WHERE id > @id ORDER BY id", _conn);
        cmd.Parameters.AddWithValue("id", lastAuditId);
        var actions = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) actions.Add(r.GetString(0));
        return actions;
    }

    public ValueTask DisposeAsync() => _conn.DisposeAsync();
}
