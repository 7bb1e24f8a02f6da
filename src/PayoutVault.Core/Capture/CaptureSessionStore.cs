using Npgsql;
using PayoutVault.Core.Audit;

namespace PayoutVault.Core.Capture;

/// <summary>
/// capture_sessions in PostgreSQL. Every change commits together with the audit record that describes it, and every
/// state change is a conditional UPDATE from 'open', so two submissions racing for one session cannot both win.
/// </summary>
public sealed class CaptureSessionStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string Columns = """
        s.session_id, s.caller, s.secret_sha256, s.allowed_origins, s.reference, s.state, s.created_at, s.expires_at,
        s.refused_attempts, s.completed_at, s.card_token, c.bin, c.last4, c.brand, s.exp_month, s.exp_year, s.cardholder_name
        """;

    public async Task InsertAsync(CaptureSessionRecord s, AuditEntry entry, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO capture_sessions (session_id, caller, secret_sha256, allowed_origins, reference, state, created_at, expires_at)
            VALUES (@id, @caller, @hash, @origins, @reference, 'open', @created, @expires)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("id", s.SessionId);
            cmd.Parameters.AddWithValue("caller", s.Caller);
            cmd.Parameters.AddWithValue("hash", s.SecretHash);
            cmd.Parameters.AddWithValue("origins", s.AllowedOrigins.ToArray());
            cmd.Parameters.AddWithValue("reference", s.Reference);
            cmd.Parameters.AddWithValue("created", s.CreatedAt);
            cmd.Parameters.AddWithValue("expires", s.ExpiresAt);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await audit.AppendAsync(conn, tx, [entry], ct);
        await tx.CommitAsync(ct);
    }

    public async Task<CaptureSessionRecord?> GetAsync(string sessionId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns} FROM capture_sessions s LEFT JOIN cards c ON c.token = s.card_token WHERE s.session_id = @id");
        cmd.Parameters.AddWithValue("id", sessionId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    /// <summary>Open -> completed, if still open and unexpired at <paramref name="now"/>; false when another won.</summary>
    public async Task<bool> CompleteAsync(string sessionId, CapturedCard card, DateTime now, AuditEntry entry, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand("""
            UPDATE capture_sessions SET state = 'completed', completed_at = @now, card_token = @token,
                exp_month = @month, exp_year = @year, cardholder_name = @name
            WHERE session_id = @id AND state = 'open' AND expires_at > @now
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("id", sessionId);
            cmd.Parameters.AddWithValue("now", now);
            cmd.Parameters.AddWithValue("token", card.Token);
            cmd.Parameters.AddWithValue("month", (short)card.ExpMonth);
            cmd.Parameters.AddWithValue("year", (short)card.ExpYear);
            cmd.Parameters.AddWithValue("name", card.CardholderName);
            if (await cmd.ExecuteNonQueryAsync(ct) == 0) return false; // rolled back on dispose
        }
        await audit.AppendAsync(conn, tx, [entry], ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Audits a refused request to a session; when it counts as an attempt, adds it, and locks the session once
    /// <paramref name="maxAttempts"/> is reached. Returns the state afterwards.
    /// </summary>
    public async Task<string?> RefuseAsync(string? sessionId, bool countsAsAttempt, int maxAttempts, AuditEntry entry,
        CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        string? state = null;
        if (sessionId is not null && countsAsAttempt)
        {
            await using var cmd = new NpgsqlCommand("""
                UPDATE capture_sessions SET refused_attempts = refused_attempts + 1,
                    state = CASE WHEN refused_attempts + 1 >= @max THEN 'locked' ELSE state END
                WHERE session_id = @id AND state = 'open'
                RETURNING state
                """, conn, tx);
            cmd.Parameters.AddWithValue("id", sessionId);
            cmd.Parameters.AddWithValue("max", maxAttempts);
            state = await cmd.ExecuteScalarAsync(ct) as string;
        }
        await audit.AppendAsync(conn, tx, [state == CaptureState.Locked ? entry with { Detail = entry.Detail + "; session locked" } : entry], ct);
        await tx.CommitAsync(ct);
        return state;
    }

    /// <summary>
    /// Marks up to <paramref name="limit"/> open sessions past their expiry as expired, each with a capture.expired
    /// record in the same transaction (caller "vault"); <paramref name="onlyId"/> narrows it to one session.
    /// Returns how many it marked.
    /// </summary>
    public async Task<int> ExpireDueAsync(DateTime now, int limit, string? onlyId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var expired = new List<(string Id, string Caller)>();
        await using (var cmd = new NpgsqlCommand("""
            UPDATE capture_sessions SET state = 'expired'
            WHERE session_id IN (
                SELECT session_id FROM capture_sessions
                WHERE state = 'open' AND expires_at <= @now AND (@only::text IS NULL OR session_id = @only)
                ORDER BY expires_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING session_id, caller
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("now", now);
            cmd.Parameters.AddWithValue("limit", limit);
            cmd.Parameters.Add(new NpgsqlParameter("only", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)onlyId ?? DBNull.Value });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) expired.Add((r.GetString(0), r.GetString(1)));
        }
        await audit.AppendAsync(conn, tx, expired.Select(e =>
            new AuditEntry("vault", AuditActions.CaptureExpired, e.Id, "expired", null, "created by " + e.Caller)).ToArray(), ct);
        await tx.CommitAsync(ct);
        return expired.Count;
    }

    private static CaptureSessionRecord Read(NpgsqlDataReader r)
    {
        CapturedCard? card = r.IsDBNull(10) ? null : new CapturedCard(r.GetString(10), r.GetString(11), r.GetString(12),
            r.GetString(13), r.GetInt16(14), r.GetInt16(15), r.IsDBNull(16) ? "" : r.GetString(16));
        return new CaptureSessionRecord(r.GetString(0), r.GetString(1), (byte[])r[2], (string[])r[3], r.GetString(4),
            r.GetString(5), r.GetDateTime(6), r.GetDateTime(7), r.GetInt32(8), r.IsDBNull(9) ? null : r.GetDateTime(9), card);
    }
}
