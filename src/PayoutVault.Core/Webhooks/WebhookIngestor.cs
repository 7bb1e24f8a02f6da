using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Payouts;
using PayoutVault.Core.Storage;

namespace PayoutVault.Core.Webhooks;

public enum WebhookOutcome { Applied, Ignored, UnknownPayout, UnsupportedType, Duplicate }

/// <summary>
/// Makes a verified webhook, already checked by <see cref="WebhookShape"/>, durable: in one transaction it records
/// the delivery (deduped by body hash), applies the state change forward-only, and appends the payout event. Only
/// after the commit does the endpoint answer 200. Concurrent deliveries share transactions (group commit); each still
/// gets its answer only after its own commit.
/// </summary>
public sealed class WebhookIngestor : IAsyncDisposable
{
    public const string PaymentFinished = "payment_finished";

    private sealed record Delivery(byte[] BodyHash, CheckedWebhook Webhook);

    private readonly TimeProvider _time;
    private readonly IOptions<PayoutOptions> _payoutOptions;
    private readonly ILogger<WebhookIngestor> _logger;
    private readonly GroupCommit<Delivery, (WebhookOutcome Outcome, string? PayoutId)> _group;

    public WebhookIngestor(NpgsqlDataSource dataSource, TimeProvider time, IOptions<PayoutOptions> payoutOptions,
        ILogger<WebhookIngestor> logger)
    {
        _time = time;
        _payoutOptions = payoutOptions;
        _logger = logger;
        _group = new(dataSource, IngestBatchAsync);
    }

    /// <summary>Stores one delivery; only checked values reach the database and the log.</summary>
    public async Task<WebhookOutcome> IngestAsync(ReadOnlyMemory<byte> rawBody, CheckedWebhook webhook, CancellationToken ct)
    {
        var (outcome, payoutId) = await _group.SubmitAsync(new Delivery(SHA256.HashData(rawBody.Span), webhook), ct);
        if (outcome == WebhookOutcome.Duplicate) VaultLog.WebhookDuplicate(_logger, webhook.SessionId ?? "");
        else VaultLog.WebhookStored(_logger, webhook.Type, webhook.SessionId ?? "", payoutId ?? "", outcome.ToString());
        return outcome;
    }

    /// <summary>
    /// A group of deliveries in four round trips whatever its size: record the deliveries (a body seen before is a
    /// duplicate and stops there), find the payouts they name, apply the changes (two round trips, rows locked in
    /// payout id order so concurrent groups never wait on each other in a cycle), and set each delivery's outcome.
    /// </summary>
    private async Task<IReadOnlyList<(WebhookOutcome, string?)>> IngestBatchAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, IReadOnlyList<Delivery> items, CancellationToken ct)
    {
        var results = new (WebhookOutcome Outcome, string? PayoutId)[items.Count];
        var deliveryIds = new long?[items.Count];
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            foreach (var d in items) batch.BatchCommands.Add(InsertDeliveryCommand(d.BodyHash, d.Webhook, d.Webhook.News));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            for (var i = 0; i < items.Count; i++)
            {
                // A second copy of a body within the group conflicts with the first one's row: a duplicate too.
                deliveryIds[i] = await reader.ReadAsync(ct) ? reader.GetInt64(0) : null;
                await reader.NextResultAsync(ct);
            }
        }

        var finished = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (deliveryIds[i] is null) results[i] = (WebhookOutcome.Duplicate, null);
            else if (items[i].Webhook.Type == PaymentFinished) finished.Add(i);
            else results[i] = (WebhookOutcome.UnsupportedType, null);
        }

        if (finished.Count > 0)
        {
            var targets = await FindPayoutsAsync(conn, tx, finished.Select(i => items[i].Webhook).ToList(), ct);
            var toApply = new List<(int Index, string PayoutId)>();
            for (var k = 0; k < finished.Count; k++)
            {
                results[finished[k]] = (WebhookOutcome.UnknownPayout, targets[k]);
                if (targets[k] is { } id) toApply.Add((finished[k], id));
            }
            var applied = await PayoutStore.ApplyManyAsync(conn, tx, toApply.Select(t =>
            {
                var webhook = items[t.Index].Webhook;
                return (t.PayoutId, (Func<PayoutRecord, PayoutChange?>)(_ => ChangeFor(webhook, webhook.News)));
            }).ToList(), ct);
            for (var k = 0; k < toApply.Count; k++)
                results[toApply[k].Index] = (applied[k] is { Moved: true } ? WebhookOutcome.Applied : WebhookOutcome.Ignored,
                    toApply[k].PayoutId);
        }

        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            for (var i = 0; i < items.Count; i++)
                if (deliveryIds[i] is { } id) batch.BatchCommands.Add(SetOutcomeCommand(id, results[i].PayoutId, results[i].Outcome));
            if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
        }
        return results.Select(r => (r.Outcome, r.PayoutId)).ToArray();
    }

    public ValueTask DisposeAsync() => _group.DisposeAsync();

    private PayoutChange ChangeFor(CheckedWebhook webhook, CheckedPayout? news)
    {
        var state = PayoutStates.FromBank(news?.Status);
        return new PayoutChange("webhook", state)
        {
            RecordIfIgnored = true,
            BankSessionId = webhook.SessionId,
            BankPayoutId = news?.BankPayoutId,
            ErrorCode = news?.ErrorCode ?? webhook.ErrorCode,
            ErrorDescription = news?.ErrorDescription ?? webhook.ErrorDescription,
            KeepNextCheck = state is null,
            NextCheckAt = _time.GetUtcNow().UtcDateTime + _payoutOptions.Value.StatusCheckAfterAccept,
        };
    }

    private static NpgsqlBatchCommand InsertDeliveryCommand(byte[] hash, CheckedWebhook webhook, CheckedPayout? news)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO webhook_deliveries (body_sha256, type, bank_session_id, bank_payout_id, bank_status, outcome, metadata)
            VALUES (@h, @type, @session, @payout, @status, 'ignored', @metadata::jsonb)
            ON CONFLICT (body_sha256) DO NOTHING
            RETURNING id
            """);
        cmd.Parameters.AddWithValue("h", hash);
        cmd.Parameters.AddWithValue("type", webhook.Type);
        cmd.Parameters.AddWithValue("session", NpgsqlTypes.NpgsqlDbType.Text, (object?)webhook.SessionId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("payout", NpgsqlTypes.NpgsqlDbType.Text, (object?)news?.BankPayoutId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("status", NpgsqlTypes.NpgsqlDbType.Text, (object?)news?.Status ?? DBNull.Value);
        // Echoed metadata is kept as WebhookShape rebuilt it: anything that looks like a card number masked.
        cmd.Parameters.AddWithValue("metadata", NpgsqlTypes.NpgsqlDbType.Text, (object?)news?.MetadataJson ?? DBNull.Value);
        return cmd;
    }

    /// <summary>
    /// The payout a webhook is about: the vault payout id the bank echoes in metadata comes first (it is ours and
    /// unique); the bank's session id only when no such payout exists, and only when exactly one payout holds it.
    /// </summary>
    private async Task<string?[]> FindPayoutsAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<CheckedWebhook> webhooks, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        foreach (var w in webhooks)
        {
            var cmd = new NpgsqlBatchCommand("""
                SELECT payout_id, payout_id = @fromMetadata, bank_session_id FROM payouts
                WHERE payout_id = @fromMetadata OR (@session::text IS NOT NULL AND bank_session_id = @session)
                ORDER BY 2 DESC LIMIT 3
                """);
            var fromMetadata = w.News?.PayoutIdFromMetadata;
            cmd.Parameters.AddWithValue("session", NpgsqlTypes.NpgsqlDbType.Text, (object?)w.SessionId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("fromMetadata", PayoutOperations.IsValidPayoutId(fromMetadata) ? fromMetadata! : "");
            batch.BatchCommands.Add(cmd);
        }
        var targets = new string?[webhooks.Count];
        await using var reader = await batch.ExecuteReaderAsync(ct);
        for (var i = 0; i < webhooks.Count; i++)
        {
            var found = new List<(string Id, bool Named, string? Session)>();
            while (await reader.ReadAsync(ct))
                found.Add((reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            targets[i] = Choose(found, webhooks[i].SessionId);
            await reader.NextResultAsync(ct);
        }
        return targets;
    }

    private string? Choose(List<(string Id, bool Named, string? Session)> found, string? sessionId)
    {
        if (found.Count > 0 && found[0].Named)
        {
            if (sessionId is not null && found[0].Session is { } recorded && recorded != sessionId)
                VaultLog.WebhookSessionMismatch(_logger, found[0].Id, recorded, sessionId);
            return found[0].Id;
        }
        if (found.Count == 1) return found[0].Id;
        if (found.Count > 1) VaultLog.WebhookSessionAmbiguous(_logger, sessionId ?? "", found.Count);
        return null;
    }

    private static NpgsqlBatchCommand SetOutcomeCommand(long id, string? payoutId, WebhookOutcome outcome)
    {
        var cmd = new NpgsqlBatchCommand("UPDATE webhook_deliveries SET payout_id = @p, outcome = @o WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("p", NpgsqlTypes.NpgsqlDbType.Text, (object?)payoutId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("o", outcome switch
        {
            WebhookOutcome.Applied => "applied",
            WebhookOutcome.UnknownPayout => "unknown_payout",
            WebhookOutcome.UnsupportedType => "unsupported_type",
            _ => "ignored",
        });
        return cmd;
    }
}
