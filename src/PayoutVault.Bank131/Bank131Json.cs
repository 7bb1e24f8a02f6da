using System.Buffers;
using System.Text.Json;

namespace PayoutVault.Bank131;

/// <summary>
/// Builds bodies the way the bank writes them: responses, <c>session/status</c> requests and webhooks. The sandbox
/// answers with these, and tests use them to feed the vault realistic webhooks. None of them carries a card number
/// (only the masked last four).
/// </summary>
public static class Bank131Json
{
    /// <summary><c>{"status":"error","error":{"code":...,"description":...}}</c></summary>
    public static byte[] Error(string code, string description) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("status"u8, "error"u8);
        WriteError(json, code, description);
        json.WriteEndObject();
    });

    /// <summary><c>{"status":"ok","session":{...}}</c>, the answer to <c>init/payout</c> and <c>session/status</c>.</summary>
    public static byte[] SessionResponse(Bank131SessionSnapshot session, bool v2 = false) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("status"u8, "ok"u8);
        json.WritePropertyName("session"u8);
        WriteSession(json, session, v2);
        json.WriteEndObject();
    });

    /// <summary><c>{"type":...,"session":{...}}</c>; <paramref name="v2"/> uses <c>payout_list</c> and
    /// <c>payout_details</c> instead of <c>payments</c> and <c>payment_method</c>.</summary>
    public static byte[] Webhook(string type, Bank131SessionSnapshot session, bool v2 = false) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        json.WritePropertyName("session"u8);
        WriteSession(json, session, v2);
        json.WriteEndObject();
    });

    /// <summary>
    /// A final <c>payment_finished</c> webhook: session <c>accepted</c>, the payout <paramref name="payoutStatus"/>
    /// (<c>succeeded</c> or <c>failed</c>), the payout error when <paramref name="errorCode"/> is set.
    /// </summary>
    public static byte[] PaymentFinished(
        string sessionId,
        string payoutId,
        string payoutStatus,
        long amount,
        string currency,
        string? metadataJson,
        string? errorCode = null,
        string? errorDescription = null,
        bool v2 = false)
    {
        var now = DateTimeOffset.UtcNow;
        return Webhook(
            Bank131WebhookTypes.PaymentFinished,
            new Bank131SessionSnapshot(
                sessionId,
                "accepted",
                payoutId,
                payoutStatus,
                amount,
                currency,
                metadataJson,
                errorCode,
                errorCode is null ? null : errorDescription ?? errorCode.Replace('_', ' '),
                CreatedAt: now,
                FinishedAt: now),
            v2);
    }

    /// <summary><c>{"session_id":"ps_..."}</c></summary>
    public static byte[] SessionStatusRequest(string sessionId) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("session_id"u8, sessionId);
        json.WriteEndObject();
    });

    /// <summary>Writes one session object (the value of <c>"session"</c>).</summary>
    public static void WriteSession(Utf8JsonWriter json, Bank131SessionSnapshot s, bool v2 = false)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(s);
        var created = s.CreatedAt ?? DateTimeOffset.UtcNow;

        json.WriteStartObject();
        json.WriteString("id"u8, s.SessionId);
        json.WriteString("status"u8, s.SessionStatus);
        json.WriteString("created_at"u8, created);
        json.WriteString("updated_at"u8, s.FinishedAt ?? created);
        if (s.FinishedAt is { } sessionFinished)
        {
            json.WriteString("finished_at"u8, sessionFinished);
        }

        json.WriteStartArray(v2 ? "payout_list"u8 : "payments"u8);
        json.WriteStartObject();
        json.WriteString("id"u8, s.PayoutId);
        json.WriteString("status"u8, s.PayoutStatus);
        json.WriteString("created_at"u8, created);
        if (s.FinishedAt is { } payoutFinished)
        {
            json.WriteString("finished_at"u8, payoutFinished);
        }

        if (s.CardLast4 is not null)
        {
            json.WriteStartObject(v2 ? "payout_details"u8 : "payment_method"u8);
            json.WriteString("type"u8, "card"u8);
            json.WriteStartObject("card"u8);
            json.WriteString("type"u8, "bank_card"u8);
            json.WriteStartObject("bank_card"u8);
            json.WriteString("last4"u8, s.CardLast4);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteStartObject("amount_details"u8);
        json.WriteNumber("amount"u8, s.Amount);
        json.WriteString("currency"u8, s.Currency);
        json.WriteEndObject();

        if (s.MetadataJson is not null)
        {
            json.WritePropertyName("metadata"u8);
            json.WriteRawValue(s.MetadataJson, skipInputValidation: false);
        }

        if (s.ErrorCode is not null)
        {
            WriteError(json, s.ErrorCode, s.ErrorDescription ?? s.ErrorCode);
        }

        json.WriteEndObject(); // payout
        json.WriteEndArray();
        json.WriteEndObject(); // session
    }

    private static void WriteError(Utf8JsonWriter json, string code, string description)
    {
        json.WriteStartObject("error"u8);
        json.WriteString("code"u8, code);
        json.WriteString("description"u8, description);
        json.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Bank131JsonEncoding.WriterOptions))
        {
            body(json);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
