using System.Text.Json;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Streaming;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// The persist-and-claim step of a payout, one commit before any byte goes to the bank: the payout row, already
/// claimed for sending (submitted, first attempt counted, leased to this process), its created and submitted events,
/// the payout.create and payout.detokenize audit records and the card's last-use time; the same statement reads the
/// card's ciphertext, so the sender needs no further round trip. Concurrent callers share the commit.
/// </summary>
public sealed class PayoutClaims : IAsyncDisposable
{
    /// <summary>A payout to persist. LeaseUntil is when the reconciler may take it over if this process dies.</summary>
    public sealed record NewPayout(string PayoutId, AuditContext Who, PayoutRequest Request, DateTime LeaseUntil);

    /// <summary>A payout this process now owns the sending of, with the sealed card number to send it with.</summary>
    public sealed record Claimed(PayoutRecord Payout, byte[] Ciphertext, int DataKeyVersion);

    private readonly NpgsqlDataSource _dataSource;
    private readonly AuditLog _audit;
    private readonly GroupCommit<NewPayout, Claimed?> _claims;

    private readonly ProcessLease _lease;

    public PayoutClaims(NpgsqlDataSource dataSource, AuditLog audit, ProcessLease lease)
    {
        _dataSource = dataSource;
        _lease = lease;
        _audit = audit;
        _claims = new(dataSource, ClaimBatchAsync);
    }

    /// <summary>
    /// Persists and claims a new payout; null when the caller's idempotency key exists already or the card token is
    /// not live (the caller tells the two apart).
    /// </summary>
    public Task<Claimed?> ClaimNewAsync(NewPayout payout, CancellationToken ct) => _claims.SubmitAsync(payout, ct);

    /// <summary>
    /// A resend of a payout that was claimed before (by the reconciler, with the same bank idempotency key): audits
    /// the detokenization and touches the card in one commit, and returns the sealed card, or null when it is gone.
    /// </summary>
    public async Task<(byte[] Ciphertext, int DataKeyVersion)?> ClaimResendAsync(PayoutRecord payout, AuditContext who,
        CancellationToken ct)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await _audit.AppendAsync(conn, tx, [who.Entry(AuditActions.PayoutDetokenize, payout.PayoutId, "sending",
            $"token {payout.CardToken}, attempt {payout.SendAttempts}")], ct);
        (byte[], int)? card = null;
        await using (var cmd = new NpgsqlCommand("""
            UPDATE cards SET last_used_at = now() WHERE token = @t AND deleted_at IS NULL
            RETURNING pan_ciphertext, data_key_version
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("t", payout.CardToken);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct)) card = (r.GetFieldValue<byte[]>(0), r.GetInt32(1));
        }
        await tx.CommitAsync(ct);
        return card;
    }

    private async Task<IReadOnlyList<Claimed?>> ClaimBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<NewPayout> items, CancellationToken ct)
    {
        // Card rows are locked in token order, so two concurrent groups never wait on each other in a cycle.
        var order = Enumerable.Range(0, items.Count)
            .OrderBy(i => items[i].Request.CardToken, StringComparer.Ordinal)
            .ThenBy(i => items[i].Request.IdempotencyKey, StringComparer.Ordinal).ToArray();
        var results = new Claimed?[items.Count];
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            foreach (var i in order) batch.BatchCommands.Add(ClaimCommand(items[i], _lease.Owner));
            await using var r = await batch.ExecuteReaderAsync(ct);
            foreach (var i in order)
            {
                if (await r.ReadAsync(ct))
                    results[i] = new Claimed(PayoutStore.Read(r), r.GetFieldValue<byte[]>(PayoutStore.ColumnCount), r.GetInt32(PayoutStore.ColumnCount + 1));
                await r.NextResultAsync(ct);
            }
        }

        // Events and audit records of the claimed ones, in a second round trip for the whole group.
        var claimed = order.Where(i => results[i] is not null).ToArray();
        if (claimed.Length == 0) return results;
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            var entries = new List<AuditEntry>(claimed.Length * 2);
            foreach (var i in claimed)
            {
                var p = results[i]!.Payout;
                foreach (var kind in (ReadOnlySpan<string>)["created", "submitted"])
                    batch.BatchCommands.Add(PayoutEventLog.AppendCommand(new PayoutEventLog.NewEvent(
                        p.PayoutId, kind, kind, true, null, null, p.AmountMinor, p.Currency, p.Metadata)));
                entries.Add(items[i].Who.Entry(AuditActions.PayoutCreate, p.PayoutId, "created", p.CardToken));
                // Audited with the claim, before the card number is decrypted: if this cannot be written, nothing is sent.
                entries.Add(items[i].Who.Entry(AuditActions.PayoutDetokenize, p.PayoutId, "sending",
                    $"token {p.CardToken}, attempt {p.SendAttempts}"));
            }
            batch.BatchCommands.Add(_audit.AppendCommand(entries));
            await batch.ExecuteNonQueryAsync(ct);
        }
        return results;
    }

    private static NpgsqlBatchCommand ClaimCommand(NewPayout n, long owner)
    {
        var cmd = new NpgsqlBatchCommand($"""
            WITH card AS (
                SELECT token, bin, last4, brand, pan_ciphertext, data_key_version
                FROM cards WHERE token = @token AND deleted_at IS NULL FOR NO KEY UPDATE
            ), claimed AS (
                INSERT INTO payouts (payout_id, caller, idempotency_key, request_hash, card_token, bin, last4, brand,
                                     amount_minor, currency, recipient, metadata, state, send_attempts, next_check_at,
                                     lease_owner)
                SELECT @id, @caller, @key, @hash, token, bin, last4, brand, @amount, @currency, @recipient::jsonb,
                       @metadata::jsonb, 'submitted', 1, @lease, @owner
                FROM card
                ON CONFLICT (caller, idempotency_key) DO NOTHING
                RETURNING {PayoutStore.Columns}
            ), touched AS (
                UPDATE cards SET last_used_at = now() WHERE token IN (SELECT card_token FROM claimed)
            )
            SELECT claimed.*, card.pan_ciphertext, card.data_key_version FROM claimed, card
            """);
        var p = cmd.Parameters;
        p.AddWithValue("id", n.PayoutId);
        p.AddWithValue("caller", n.Who.Caller);
        p.AddWithValue("key", n.Request.IdempotencyKey);
        p.AddWithValue("hash", n.Request.Hash());
        p.AddWithValue("token", n.Request.CardToken);
        p.AddWithValue("amount", n.Request.AmountMinor);
        p.AddWithValue("currency", n.Request.Currency);
        p.AddWithValue("recipient", JsonSerializer.Serialize(n.Request.Recipient));
        p.AddWithValue("metadata", JsonSerializer.Serialize(n.Request.Metadata));
        p.AddWithValue("lease", n.LeaseUntil);
        p.AddWithValue("owner", owner);
        return cmd;
    }

    public ValueTask DisposeAsync() => _claims.DisposeAsync();
}
