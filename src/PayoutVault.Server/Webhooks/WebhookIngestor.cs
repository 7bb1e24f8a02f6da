using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Server.Logging;
using PayoutVault.Server.Payouts;
using PayoutVault.Server.Storage;

namespace PayoutVault.Server.Webhooks;

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

    private async Task<IReadOnlyList<(WebhookOutcome, string?)>> IngestBatchAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, IReadOnlyList<Delivery> items, CancellationToken ct)
    {
        // Payout rows are locked in roughly payout id order (the id the bank echoes), so concurrent groups rarely
        // wait on each other in a cycle; when they do, PostgreSQL breaks it and each delivery is retried alone.
        var results = new (WebhookOutcome, string?)[items.Count];
        var order = Enumerable.Range(0, items.Count).OrderBy(i => OrderKey(items[i].Webhook), StringComparer.Ordinal);
        foreach (var i in order) results[i] = await IngestOneAsync(conn, tx, items[i], ct);
        return results;
    }

    private static string OrderKey(CheckedWebhook w) => w.News?.PayoutIdFromMetadata ?? w.SessionId ?? "";

    private async Task<(WebhookOutcome, string?)> IngestOneAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        Delivery delivery, CancellationToken ct)
    {
        var webhook = delivery.Webhook;
        var news = webhook.News;
        var deliveryId = await InsertDeliveryAsync(conn, tx, delivery.BodyHash, webhook, news, ct);
        if (deliveryId is null) return (WebhookOutcome.Duplicate, null);

        var outcome = WebhookOutcome.UnsupportedType;
        string? payoutId = null;
        if (webhook.Type == PaymentFinished)
        {
            payoutId = await FindPayoutAsync(conn, tx, webhook.SessionId, news?.PayoutIdFromMetadata, ct);
            outcome = WebhookOutcome.UnknownPayout;
            if (payoutId is not null)
            {
                var applied = await PayoutStore.ApplyAsync(conn, tx, payoutId, _ => ChangeFor(webhook, news), ct);
                outcome = applied is { Moved: true } ? WebhookOutcome.Applied : WebhookOutcome.Ignored;
            }
        }
        await SetOutcomeAsync(conn, tx, deliveryId.Value, payoutId, outcome, ct);
        return (outcome, payoutId);
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

    private static async Task<long?> InsertDeliveryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, byte[] hash,
        CheckedWebhook webhook, CheckedPayout? news, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO webhook_deliveries (body_sha256, type, bank_session_id, bank_payout_id, bank_status, outcome, metadata)
            VALUES (@h, @type, @session, @payout, @status, 'ignored', @metadata::jsonb)
            ON CONFLICT (body_sha256) DO NOTHING
            RETURNING id
            """, conn, tx);
        cmd.Parameters.AddWithValue("h", hash);
        cmd.Parameters.AddWithValue("type", webhook.Type);
        cmd.Parameters.AddWithValue("session", (object?)webhook.SessionId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("payout", (object?)news?.BankPayoutId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("status", (object?)news?.Status ?? DBNull.Value);
        // Echoed metadata is kept as WebhookShape rebuilt it: anything that looks like a card number masked.
        cmd.Parameters.AddWithValue("metadata", (object?)news?.MetadataJson ?? DBNull.Value);
        var id = await cmd.ExecuteScalarAsync(ct);
        return id is long l ? l : null;
    }

    /// <summary>
    /// The payout a webhook is about: the vault payout id the bank echoes in metadata comes first (it is ours and
    /// unique); the bank's session id only when no such payout exists, and only when exactly one payout holds it.
    /// </summary>
    private async Task<string?> FindPayoutAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        string? sessionId, string? payoutIdFromMetadata, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT payout_id, payout_id = @fromMetadata, bank_session_id FROM payouts
            WHERE payout_id = @fromMetadata OR (@session::text IS NOT NULL AND bank_session_id = @session)
            ORDER BY 2 DESC LIMIT 3
            """, conn, tx);
        cmd.Parameters.AddWithValue("session", (object?)sessionId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("fromMetadata",
            PayoutOperations.IsValidPayoutId(payoutIdFromMetadata) ? payoutIdFromMetadata! : "");
        var found = new List<(string Id, bool Named, string? Session)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                found.Add((reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
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

    private static async Task SetOutcomeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string? payoutId,
        WebhookOutcome outcome, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE webhook_deliveries SET payout_id = @p, outcome = @o WHERE id = @id", conn, tx);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("p", (object?)payoutId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("o", outcome switch
        {
            WebhookOutcome.Applied => "applied",
            WebhookOutcome.UnknownPayout => "unknown_payout",
            WebhookOutcome.UnsupportedType => "unsupported_type",
            _ => "ignored",
        });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
