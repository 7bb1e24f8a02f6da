using System.Text.Json;
using Npgsql;
using PayoutVault.Bank131;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Streaming;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// SQL for payouts. A state change and its event always commit together. Changes made outside a caller's transaction
/// (the bank's answer, the reconciler's findings) are group-committed: concurrent changes share one transaction.
/// </summary>
public sealed class PayoutStore : IAsyncDisposable
{
    internal const string Columns = """
        payout_id, caller, idempotency_key, request_hash, card_token, bin, last4, brand, amount_minor, currency,
        recipient::text, metadata::text, state, bank_session_id, bank_payout_id, error_code, error_description,
        send_attempts, check_attempts, next_check_at, created_at, updated_at
        """;

    /// <summary>How many columns <see cref="Columns"/> names; a query may return more after them.</summary>
    internal const int ColumnCount = 22;

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommit<(string PayoutId, Func<PayoutRecord, PayoutChange?> Decide), (PayoutRecord Payout, bool Moved, bool SessionShared)?> _changes;

    public PayoutStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _changes = new(dataSource, async (conn, tx, items, ct) =>
        {
            // The whole group in two round trips; rows are locked in payout id order (see ApplyManyAsync).
            return await ApplyManyAsync(conn, tx, items, ct);
        });
    }

    public NpgsqlDataSource DataSource => _dataSource;

    public async Task<PayoutRecord?> GetAsync(string payoutId, CancellationToken ct)
    {
        await using var cmd = _dataSource.CreateCommand($"SELECT {Columns} FROM payouts WHERE payout_id = @id");
        cmd.Parameters.AddWithValue("id", payoutId);
        return await ReadOneAsync(cmd, ct);
    }

    public async Task<PayoutRecord?> GetByKeyAsync(string caller, string idempotencyKey, CancellationToken ct)
    {
        await using var cmd = _dataSource.CreateCommand(
            $"SELECT {Columns} FROM payouts WHERE caller = @c AND idempotency_key = @k");
        cmd.Parameters.AddWithValue("c", caller);
        cmd.Parameters.AddWithValue("k", idempotencyKey);
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>Applies a change decided from the locked current row; committed (shared with others) before this returns.</summary>
    public Task<(PayoutRecord Payout, bool Moved, bool SessionShared)?> ApplyAsync(
        string payoutId, Func<PayoutRecord, PayoutChange?> decide, CancellationToken ct) =>
        _changes.SubmitAsync((payoutId, decide), ct);

    /// <summary>Applies a change inside the caller's transaction (the webhook path dedupes in the same one).</summary>
    public static async Task<(PayoutRecord Payout, bool Moved, bool SessionShared)?> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        string payoutId, Func<PayoutRecord, PayoutChange?> decide, CancellationToken ct) =>
        (await ApplyManyAsync(conn, tx, [(payoutId, decide)], ct))[0];

    /// <summary>
    /// Applies many changes inside the caller's transaction in two round trips whatever their number: one locks every
    /// named row (in payout id order, so concurrent groups never wait on each other in a cycle), the other carries
    /// every update and its event. Results come back in the order of <paramref name="items"/>. A payout named twice
    /// gets its later changes one at a time after the rest, each decided from the row the previous one left.
    /// </summary>
    public static async Task<IReadOnlyList<(PayoutRecord Payout, bool Moved, bool SessionShared)?>> ApplyManyAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<(string PayoutId, Func<PayoutRecord, PayoutChange?> Decide)> items, CancellationToken ct)
    {
        var results = new (PayoutRecord, bool, bool)?[items.Count];
        var current = new Dictionary<string, PayoutRecord>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand(
            $"SELECT {Columns} FROM payouts WHERE payout_id = ANY(@ids) ORDER BY payout_id FOR UPDATE", conn, tx))
        {
            select.Parameters.AddWithValue("ids", items.Select(i => i.PayoutId).Distinct(StringComparer.Ordinal).ToArray());
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) { var row = Read(reader); current[row.PayoutId] = row; }
        }

        var planned = new List<(int Index, bool Moved, PayoutState State)>();
        var later = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using var batch = new NpgsqlBatch(conn, tx);
        var events = new List<NpgsqlBatchCommand>();
        for (var i = 0; i < items.Count; i++)
        {
            var (payoutId, decide) = items[i];
            if (!current.TryGetValue(payoutId, out var row)) continue; // no such payout: null
            if (!seen.Add(payoutId)) { later.Add(i); continue; }
            var change = decide(row);
            var moved = change?.NewState is { } next && PayoutStates.CanMove(row.State, next);
            if (change is null || (!moved && !change.RecordIfIgnored && !change.CountCheck && !change.CountSend && change.KeepNextCheck))
            {
                results[i] = (row, false, false);
                continue;
            }
            var state = moved ? change.NewState!.Value : row.State;
            batch.BatchCommands.Add(UpdateCommand(payoutId, change, moved, state));
            // Events follow every update in the batch, so each copies its row as the update left it.
            if (moved || change.RecordIfIgnored) events.Add(PayoutEventLog.AppendFromPayoutCommand(payoutId, change.EventKind, moved));
            planned.Add((i, moved, state));
        }
        if (planned.Count > 0)
        {
            foreach (var e in events) batch.BatchCommands.Add(e);
            await using var reader = await batch.ExecuteReaderAsync(ct);
            foreach (var (index, moved, state) in planned)
            {
                await reader.ReadAsync(ct);
                results[index] = (Read(reader), moved, reader.GetBoolean(ColumnCount));
                if (moved) Telemetry.VaultTelemetry.PayoutTransitions.Add(1, Telemetry.VaultTelemetry.Tag("state", state.ToDb()));
                await reader.NextResultAsync(ct);
            }
        }
        foreach (var i in later) results[i] = (await ApplyManyAsync(conn, tx, [items[i]], ct))[0];
        return results;
    }

    private static NpgsqlBatchCommand UpdateCommand(string payoutId, PayoutChange change, bool moved, PayoutState state)
    {
        var update = new NpgsqlBatchCommand($"""
            UPDATE payouts SET
                state = @state,
                bank_session_id = COALESCE(bank_session_id, @session),
                bank_payout_id = COALESCE(bank_payout_id, @bank_payout),
                error_code = CASE WHEN @moved THEN COALESCE(@error_code, error_code) ELSE error_code END,
                error_description = CASE WHEN @moved THEN COALESCE(@error_description, error_description) ELSE error_description END,
                send_attempts = send_attempts + @sends,
                check_attempts = CASE WHEN @moved THEN 0 ELSE check_attempts + @checks END,
                next_check_at = CASE WHEN @final THEN NULL WHEN @keep THEN next_check_at ELSE @next END,
                lease_owner = @owner,
                updated_at = now()
            WHERE payout_id = @id
            RETURNING {Columns},
                -- The bank's session id is not unique by contract: say when another payout already holds it.
                @session::text IS NOT NULL AND EXISTS (SELECT 1 FROM payouts o
                    WHERE o.bank_session_id = @session AND o.payout_id <> @id)
            """);
        var p = update.Parameters;
        p.AddWithValue("id", payoutId);
        p.AddWithValue("state", state.ToDb());
        p.AddWithValue("moved", moved);
        p.AddWithValue("session", NpgsqlTypes.NpgsqlDbType.Text, (object?)change.BankSessionId ?? DBNull.Value);
        p.AddWithValue("bank_payout", NpgsqlTypes.NpgsqlDbType.Text, (object?)change.BankPayoutId ?? DBNull.Value);
        p.AddWithValue("error_code", NpgsqlTypes.NpgsqlDbType.Text, (object?)change.ErrorCode ?? DBNull.Value);
        p.AddWithValue("error_description", NpgsqlTypes.NpgsqlDbType.Text, (object?)change.ErrorDescription ?? DBNull.Value);
        p.AddWithValue("sends", change.CountSend ? 1 : 0);
        p.AddWithValue("checks", change.CountCheck ? 1 : 0);
        p.AddWithValue("final", state.IsTerminal());
        p.AddWithValue("keep", change.KeepNextCheck);
        p.AddWithValue("next", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)change.NextCheckAt ?? DBNull.Value);
        p.AddWithValue("owner", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)change.LeaseOwner ?? DBNull.Value);
        return update;
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> unsettled payouts that are due, pushing their next check out by the
    /// lease so another replica skips them meanwhile. SKIP LOCKED keeps replicas from blocking on each other.
    /// </summary>
    public async Task<IReadOnlyList<PayoutRecord>> LeaseDueAsync(int limit, TimeSpan lease, long owner, CancellationToken ct)
    {
        await using var cmd = _dataSource.CreateCommand($"""
            UPDATE payouts SET next_check_at = now() + @lease, lease_owner = @owner
            WHERE payout_id IN (
                SELECT payout_id FROM payouts
                WHERE state IN {PayoutStates.OpenSqlList} AND next_check_at <= now()
                ORDER BY next_check_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """);
        cmd.Parameters.AddWithValue("lease", lease);
        cmd.Parameters.AddWithValue("limit", limit);
        cmd.Parameters.AddWithValue("owner", owner);
        var list = new List<PayoutRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    /// <summary>
    /// Makes due now every open payout leased to a process that no longer holds its <see cref="ProcessLease"/> lock
    /// (it died or lost its session), so the reconciler takes it over without waiting out the lease.
    /// </summary>
    public async Task<int> ReleaseDeadLeasesAsync(long self, CancellationToken ct)
    {
        // Session advisory locks on one bigint key show in pg_locks as classid (high half) and objid (low half),
        // objsubid 1. The set of live owners is read once (a hashed subplan), not once per payout.
        await using var cmd = _dataSource.CreateCommand($"""
            UPDATE payouts SET next_check_at = now(), lease_owner = NULL
            WHERE lease_owner IS NOT NULL AND lease_owner <> @self AND state IN {PayoutStates.OpenSqlList}
              AND lease_owner NOT IN (
                  SELECT (l.classid::bigint << 32) | l.objid::bigint FROM pg_locks l
                  WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted)
            """);
        cmd.Parameters.AddWithValue("self", self);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<PayoutRecord?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Reads the <see cref="Columns"/> list starting at column 0.</summary>
    internal static PayoutRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<byte[]>(3), r.GetString(4),
        r.GetString(5), r.GetString(6), r.GetString(7), r.GetInt64(8), r.GetString(9),
        JsonSerializer.Deserialize<PayoutRecipient>(r.GetString(10))!,
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(11))!,
        PayoutStates.FromDb(r.GetString(12)), Str(r, 13), Str(r, 14), Str(r, 15), Str(r, 16),
        r.GetInt32(17), r.GetInt32(18), r.IsDBNull(19) ? null : r.GetDateTime(19),
        r.GetDateTime(20), r.GetDateTime(21));

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public ValueTask DisposeAsync() => _changes.DisposeAsync();
}
