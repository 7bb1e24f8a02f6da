using Npgsql;

namespace PayoutVault.Core.Retention;

/// <summary>What the retention report says at one moment.</summary>
/// <param name="LiveCards">Cards that still hold a ciphertext.</param>
/// <param name="Overdue">Live cards past the retention period that the purge may shred now.</param>
/// <param name="HeldByOpenPayouts">Live cards past the period that a payout with an open outcome still needs.</param>
/// <param name="OldestActivity">The oldest last activity among live cards, if any.</param>
/// <param name="LastPurgeAt">When the purge last shredded a card (from the audit trail), if ever.</param>
public sealed record RetentionReport(
    DateTime Cutoff, long LiveCards, long Overdue, long HeldByOpenPayouts, DateTime? OldestActivity, DateTime? LastPurgeAt);

/// <summary>
/// SQL of the retention purge and its report. A card's last activity is <c>coalesce(last_used_at, created_at)</c>;
/// a card still needed by a payout whose outcome is open is never purged (a resend would have nothing to send).
/// </summary>
public static class RetentionStore
{
    /// <summary>Open payout states; a card behind one of these is held back from the purge.</summary>
    private const string OpenPayout = $"""
        EXISTS (SELECT 1 FROM payouts p WHERE p.card_token = c.token
                AND p.state IN {Payouts.PayoutStates.OpenSqlList})
        """;

    /// <summary>
    /// Crypto-shreds up to <paramref name="limit"/> overdue cards in the caller's transaction (DeleteToken's shred,
    /// <see cref="Tokens.CardStore.ShredAssignments"/>) and returns their tokens with their
    /// last activity. SKIP LOCKED lets replicas sweep together, and leaves a card a payout is using right now alone.
    /// </summary>
    public static async Task<IReadOnlyList<(string Token, DateTime LastActivity)>> PurgeBatchAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, DateTime cutoff, int limit, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            WITH due AS (
                SELECT c.token, coalesce(c.last_used_at, c.created_at) AS last_activity
                FROM cards c
                WHERE c.deleted_at IS NULL AND coalesce(c.last_used_at, c.created_at) < @cutoff AND NOT {OpenPayout}
                ORDER BY coalesce(c.last_used_at, c.created_at)
                LIMIT @limit
                FOR UPDATE OF c SKIP LOCKED)
            UPDATE cards SET {Tokens.CardStore.ShredAssignments}
            FROM due
            WHERE cards.token = due.token
            RETURNING cards.token, due.last_activity
            """, conn, tx);
        cmd.Parameters.AddWithValue("cutoff", cutoff);
        cmd.Parameters.AddWithValue("limit", limit);
        var purged = new List<(string, DateTime)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) purged.Add((r.GetString(0), DateTime.SpecifyKind(r.GetDateTime(1), DateTimeKind.Utc)));
        return purged;
    }

    public static async Task<RetentionReport> ReportAsync(NpgsqlConnection conn, DateTime cutoff, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT count(*),
                   count(*) FILTER (WHERE coalesce(c.last_used_at, c.created_at) < @cutoff AND NOT {OpenPayout}),
                   count(*) FILTER (WHERE coalesce(c.last_used_at, c.created_at) < @cutoff AND {OpenPayout}),
                   min(coalesce(c.last_used_at, c.created_at)),
                   (SELECT max(occurred_at) FROM audit_log WHERE action = @purgeAction)
            FROM cards c
            WHERE c.deleted_at IS NULL
            """, conn);
        cmd.Parameters.AddWithValue("cutoff", cutoff);
        cmd.Parameters.AddWithValue("purgeAction", Audit.AuditActions.TokenPurge);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new RetentionReport(
            cutoff, r.GetInt64(0), r.GetInt64(1), r.GetInt64(2),
            r.IsDBNull(3) ? null : DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc),
            r.IsDBNull(4) ? null : DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc));
    }
}
