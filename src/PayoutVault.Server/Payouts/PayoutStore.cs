using System.Text.Json;
using Npgsql;
using PayoutVault.Bank131;
using PayoutVault.Server.Audit;

namespace PayoutVault.Server.Payouts;

/// <summary>SQL for payouts and their event log. State changes and their events always commit together.</summary>
public sealed class PayoutStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>Channel used to wake stream readers after new events commit; readers poll as a fallback.</summary>
    public const string EventsChannel = "payout_events";

    private const string Columns = """
        payout_id, caller, idempotency_key, request_hash, card_token, bin, last4, brand, amount_minor, currency,
        recipient::text, metadata::text, state, bank_session_id, bank_payout_id, error_code, error_description,
        send_attempts, check_attempts, next_check_at, created_at, updated_at
        """;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// Inserts the payout for a live card, or does nothing when (caller, idempotency key) exists. Returns the new
    /// row, or null on conflict or when the card token is not live.
    /// </summary>
    public async Task<PayoutRecord?> InsertAsync(string payoutId, AuditContext who, PayoutRequest request,
        DateTime nextCheckAt, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        PayoutRecord? created = null;
        await using (var cmd = new NpgsqlCommand($"""
            INSERT INTO payouts (payout_id, caller, idempotency_key, request_hash, card_token, bin, last4, brand,
                                 amount_minor, currency, recipient, metadata, state, next_check_at)
            SELECT @id, @caller, @key, @hash, token, bin, last4, brand, @amount, @currency, @recipient::jsonb,
                   @metadata::jsonb, 'created', @next
            FROM cards WHERE token = @token AND deleted_at IS NULL
            ON CONFLICT (caller, idempotency_key) DO NOTHING
            RETURNING {Columns}
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("id", payoutId);
            cmd.Parameters.AddWithValue("caller", who.Caller);
            cmd.Parameters.AddWithValue("key", request.IdempotencyKey);
            cmd.Parameters.AddWithValue("hash", request.Hash());
            cmd.Parameters.AddWithValue("token", request.CardToken);
            cmd.Parameters.AddWithValue("amount", request.AmountMinor);
            cmd.Parameters.AddWithValue("currency", request.Currency);
            cmd.Parameters.AddWithValue("recipient", JsonSerializer.Serialize(request.Recipient));
            cmd.Parameters.AddWithValue("metadata", JsonSerializer.Serialize(request.Metadata));
            cmd.Parameters.AddWithValue("next", nextCheckAt);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) created = Read(reader);
        }
        if (created is not null)
        {
            await AppendEventAsync(conn, tx, created, "created", stateChanged: true, ct);
            await audit.AppendAsync(conn, tx, [who.Entry(AuditActions.PayoutCreate, created.PayoutId, "created", created.CardToken)], ct);
        }
        await tx.CommitAsync(ct);
        return created;
    }

    public async Task<PayoutRecord?> GetAsync(string payoutId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM payouts WHERE payout_id = @id");
        cmd.Parameters.AddWithValue("id", payoutId);
        return await ReadOneAsync(cmd, ct);
    }

    public async Task<PayoutRecord?> GetByKeyAsync(string caller, string idempotencyKey, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns} FROM payouts WHERE caller = @c AND idempotency_key = @k");
        cmd.Parameters.AddWithValue("c", caller);
        cmd.Parameters.AddWithValue("k", idempotencyKey);
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>Applies a change decided from the locked current row, in its own transaction.</summary>
    public async Task<(PayoutRecord Payout, bool Moved)?> ApplyAsync(
        string payoutId, Func<PayoutRecord, PayoutChange?> decide, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var result = await ApplyAsync(conn, tx, payoutId, decide, ct);
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>Applies a change inside the caller's transaction (the webhook path dedupes in the same one).</summary>
    public async Task<(PayoutRecord Payout, bool Moved)?> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        string payoutId, Func<PayoutRecord, PayoutChange?> decide, CancellationToken ct)
    {
        PayoutRecord current;
        await using (var select = new NpgsqlCommand($"SELECT {Columns} FROM payouts WHERE payout_id = @id FOR UPDATE", conn, tx))
        {
            select.Parameters.AddWithValue("id", payoutId);
            var found = await ReadOneAsync(select, ct);
            if (found is null) return null;
            current = found;
        }
        var change = decide(current);
        if (change is null) return (current, false);
        var moved = change.NewState is { } next && PayoutStates.CanMove(current.State, next);
        if (!moved && !change.RecordIfIgnored && !change.CountCheck && !change.CountSend && change.KeepNextCheck)
            return (current, false);

        var state = moved ? change.NewState!.Value : current.State;
        PayoutRecord updated;
        await using (var cmd = new NpgsqlCommand($"""
            UPDATE payouts SET
                state = @state,
                bank_session_id = COALESCE(bank_session_id, @session),
                bank_payout_id = COALESCE(bank_payout_id, @bank_payout),
                error_code = CASE WHEN @moved THEN COALESCE(@error_code, error_code) ELSE error_code END,
                error_description = CASE WHEN @moved THEN COALESCE(@error_description, error_description) ELSE error_description END,
                send_attempts = send_attempts + @sends,
                check_attempts = CASE WHEN @moved THEN 0 ELSE check_attempts + @checks END,
                next_check_at = CASE WHEN @final THEN NULL WHEN @keep THEN next_check_at ELSE @next END,
                updated_at = now()
            WHERE payout_id = @id
            RETURNING {Columns}
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("id", payoutId);
            cmd.Parameters.AddWithValue("state", state.ToDb());
            cmd.Parameters.AddWithValue("moved", moved);
            cmd.Parameters.AddWithValue("session", (object?)change.BankSessionId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("bank_payout", (object?)change.BankPayoutId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("error_code", (object?)change.ErrorCode ?? DBNull.Value);
            cmd.Parameters.AddWithValue("error_description", (object?)change.ErrorDescription ?? DBNull.Value);
            cmd.Parameters.AddWithValue("sends", change.CountSend ? 1 : 0);
            cmd.Parameters.AddWithValue("checks", change.CountCheck ? 1 : 0);
            cmd.Parameters.AddWithValue("final", state.IsTerminal());
            cmd.Parameters.AddWithValue("keep", change.KeepNextCheck);
            cmd.Parameters.AddWithValue("next", (object?)change.NextCheckAt ?? DBNull.Value);
            updated = (await ReadOneAsync(cmd, ct))!;
        }
        if (moved || change.RecordIfIgnored)
            await AppendEventAsync(conn, tx, updated, change.EventKind, moved, ct);
        if (moved) Telemetry.VaultTelemetry.PayoutTransitions.Add(1, Telemetry.VaultTelemetry.Tag("state", state.ToDb()));
        return (updated, moved);
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> unsettled payouts that are due, pushing their next check out by the
    /// lease so another replica skips them meanwhile. SKIP LOCKED keeps replicas from blocking on each other.
    /// </summary>
    public async Task<IReadOnlyList<PayoutRecord>> LeaseDueAsync(int limit, TimeSpan lease, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE payouts SET next_check_at = now() + @lease
            WHERE payout_id IN (
                SELECT payout_id FROM payouts
                WHERE state IN ('created', 'submitted', 'unknown', 'in_progress') AND next_check_at <= now()
                ORDER BY next_check_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """);
        cmd.Parameters.AddWithValue("lease", lease);
        cmd.Parameters.AddWithValue("limit", limit);
        var list = new List<PayoutRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    public async Task TouchCardAsync(string token, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE cards SET last_used_at = now() WHERE token = @t");
        cmd.Parameters.AddWithValue("t", token);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    internal static async Task AppendEventAsync(NpgsqlConnection conn, NpgsqlTransaction tx, PayoutRecord p,
        string kind, bool stateChanged, CancellationToken ct)
    {
        // The shared lock is held from taking a sequence value until commit; see PayoutEventLog.ReadHighWaterAsync.
        await using var cmd = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock_shared({Streaming.PayoutEventLog.AppendLockKey});
            INSERT INTO payout_events (payout_id, kind, state, state_changed, bank_session_id, error_code,
                                       amount_minor, currency, metadata)
            VALUES (@id, @kind, @state, @changed, @session, @error, @amount, @currency, @metadata::jsonb);
            SELECT pg_notify('{EventsChannel}', '');
            """, conn, tx);
        cmd.Parameters.AddWithValue("id", p.PayoutId);
        cmd.Parameters.AddWithValue("kind", kind);
        cmd.Parameters.AddWithValue("state", p.State.ToDb());
        cmd.Parameters.AddWithValue("changed", stateChanged);
        cmd.Parameters.AddWithValue("session", (object?)p.BankSessionId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("error", (object?)p.ErrorCode ?? DBNull.Value);
        cmd.Parameters.AddWithValue("amount", p.AmountMinor);
        cmd.Parameters.AddWithValue("currency", p.Currency);
        cmd.Parameters.AddWithValue("metadata", JsonSerializer.Serialize(p.Metadata));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<PayoutRecord?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    internal static PayoutRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<byte[]>(3), r.GetString(4),
        r.GetString(5), r.GetString(6), r.GetString(7), r.GetInt64(8), r.GetString(9),
        JsonSerializer.Deserialize<PayoutRecipient>(r.GetString(10))!,
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(11))!,
        PayoutStates.FromDb(r.GetString(12)), Str(r, 13), Str(r, 14), Str(r, 15), Str(r, 16),
        r.GetInt32(17), r.GetInt32(18), r.IsDBNull(19) ? null : r.GetDateTime(19),
        r.GetDateTime(20), r.GetDateTime(21));

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
