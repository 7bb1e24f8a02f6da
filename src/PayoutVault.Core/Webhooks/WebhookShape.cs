using System.Diagnostics.CodeAnalysis;
using PayoutVault.Bank131;

namespace PayoutVault.Core.Webhooks;

/// <summary>
/// Checks every value of a parsed, signature-verified webhook against the shape the bank documents, before any of
/// it is stored or logged. Ids, statuses and codes that do not fit, hold a control character or a run of twelve or
/// more digits are refused (HTTP 400, audited as <c>webhook.rejected</c>); free text (error descriptions, echoed
/// metadata) is refused for control characters and has long digit runs masked; an unknown type is kept only as
/// <see cref="UnsupportedType"/>. A <c>payment_finished</c> without a session id or a payout entry with a status
/// is refused (compliance/threat-model.md explains the choice).
/// </summary>
public static class WebhookShape
{
    /// <summary>What an unknown <c>type</c> is stored and logged as: the raw text could be anything.</summary>
    public const string UnsupportedType = "unsupported";

    /// <summary>The longest id the vault accepts from the bank (the bank's look like <c>ps_1694821</c>).</summary>
    public const int MaxIdLength = 64;

    private static readonly HashSet<string> KnownTypes = new(StringComparer.Ordinal)
    {
        Bank131WebhookTypes.PaymentFinished, Bank131WebhookTypes.PaymentRefunded, Bank131WebhookTypes.ReadyToConfirm,
        Bank131WebhookTypes.ReadyToCapture, Bank131WebhookTypes.ActionRequired,
    };

    /// <summary>Fixed reason codes: they go to the log, the audit record and the 400 answer instead of any value.</summary>
    public static class Reasons
    {
        public const string BadSessionId = "bad_session_id";
        public const string BadPayoutId = "bad_payout_id";
        public const string BadStatus = "bad_status";
        public const string BadErrorCode = "bad_error_code";
        public const string BadText = "bad_text";
        public const string BadMetadata = "bad_metadata";
        public const string IncompletePaymentFinished = "incomplete_payment_finished";
    }

    public static bool TryCheck(Bank131Webhook webhook, [NotNullWhen(true)] out CheckedWebhook? result,
        [NotNullWhen(false)] out string? reason)
    {
        result = null;
        var type = KnownTypes.Contains(webhook.Type) ? webhook.Type : UnsupportedType;
        var raw = webhook.Payouts.Count > 0 ? webhook.Payouts[0] : null;

        if (type == Bank131WebhookTypes.PaymentFinished && (webhook.SessionId is null || raw?.Status is null))
            return Refuse(Reasons.IncompletePaymentFinished, out reason);
        if (webhook.SessionId is not null && !IsBankId(webhook.SessionId, "ps_"))
            return Refuse(Reasons.BadSessionId, out reason);
        if (!IsCode(webhook.ErrorCode)) return Refuse(Reasons.BadErrorCode, out reason);
        if (!TryFreeText(webhook.ErrorDescription, out var description)) return Refuse(Reasons.BadText, out reason);

        CheckedPayout? news = null;
        if (raw is not null)
        {
            if (raw.Id is not null && !IsBankId(raw.Id, "po_")) return Refuse(Reasons.BadPayoutId, out reason);
            if (raw.Status is not null && !IsStatus(raw.Status)) return Refuse(Reasons.BadStatus, out reason);
            if (!IsCode(raw.ErrorCode)) return Refuse(Reasons.BadErrorCode, out reason);
            if (!TryFreeText(raw.ErrorDescription, out var payoutDescription)) return Refuse(Reasons.BadText, out reason);
            string? metadata = null;
            if (raw.MetadataJson is not null && !WebhookMetadata.TrySanitize(raw.MetadataJson, out metadata))
                return Refuse(Reasons.BadMetadata, out reason);
            news = new CheckedPayout(raw.Id, raw.Status, raw.ErrorCode, payoutDescription, metadata,
                raw.PayoutIdFromMetadata);
        }

        result = new CheckedWebhook(type, webhook.SessionId, webhook.ErrorCode, description, news);
        reason = null;
        return true;
    }

    /// <summary><paramref name="prefix"/> then letters, digits, '_' or '-', at most <see cref="MaxIdLength"/> in
    /// all, and no run of twelve or more digits.</summary>
    public static bool IsBankId(string id, string prefix) =>
        id.Length > prefix.Length && id.Length <= MaxIdLength && id.StartsWith(prefix, StringComparison.Ordinal)
        && id.AsSpan(prefix.Length).IndexOfAnyExcept(IdChars) < 0 && !LongDigitRun.Contains(id);

    /// <summary>A lower-case word: <c>pending</c>, <c>in_progress</c>, <c>succeeded</c>, <c>failed</c>, or a new
    /// one the bank adds (which changes no payout state).</summary>
    private static bool IsStatus(string status) =>
        status.Length is > 0 and <= 32 && status.AsSpan().IndexOfAnyExcept(StatusChars) < 0;

    /// <summary>An error code such as <c>card_number_does_not_exist</c>; null is fine.</summary>
    private static bool IsCode(string? code) =>
        code is null || (code.Length is > 0 and <= MaxIdLength && code.AsSpan().IndexOfAnyExcept(CodeChars) < 0
                         && !LongDigitRun.Contains(code));

    /// <summary>Human text: line breaks and tabs are harmless, other control characters are refused, long digit
    /// runs masked.</summary>
    private static bool TryFreeText(string? text, out string? safe)
    {
        safe = null;
        if (LongDigitRun.HasControl(text, allowLineBreaks: true)) return false;
        safe = LongDigitRun.Mask(text);
        return true;
    }

    private static bool Refuse(string why, out string reason)
    {
        reason = why;
        return false;
    }

    private static readonly System.Buffers.SearchValues<char> IdChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    private static readonly System.Buffers.SearchValues<char> StatusChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz_");

    private static readonly System.Buffers.SearchValues<char> CodeChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:");
}
