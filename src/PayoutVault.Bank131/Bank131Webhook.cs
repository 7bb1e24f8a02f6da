using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace PayoutVault.Bank131;

/// <summary>
/// A webhook from the bank: <c>{"type":"payment_finished","session":{...}}</c>.
/// </summary>
/// <remarks>
/// Parse only after <see cref="Bank131SignatureVerifier.Verify"/> accepted the raw body. Both API generations are
/// read: v1 <c>payments</c>/<c>payment_method</c> and v2 <c>payout_list</c>/<c>payout_details</c>.
/// </remarks>
public sealed class Bank131Webhook
{
    private Bank131Webhook(string type, SessionInfo? session)
    {
        Type = type;
        SessionId = session?.Id;
        SessionStatus = session?.Status;
        ErrorCode = session?.ErrorCode;
        ErrorDescription = session?.ErrorDescription;
        Payouts = session?.Payouts ?? [];
    }

    /// <summary><c>payment_finished</c>, <c>ready_to_confirm</c>, <c>ready_to_capture</c>, <c>action_required</c>,
    /// <c>payment_refunded</c>, or whatever new type the bank adds.</summary>
    public string Type { get; }

    /// <summary>The bank's session id, <c>ps_...</c>.</summary>
    public string? SessionId { get; }

    public string? SessionStatus { get; }

    /// <summary>Session-level <c>error.code</c>.</summary>
    public string? ErrorCode { get; }

    public string? ErrorDescription { get; }

    public IReadOnlyList<Bank131Payout> Payouts { get; }

    /// <summary>
    /// False for invalid UTF-8, malformed JSON (including nesting deeper than 64), a non-object root, or a missing or
    /// non-string <c>type</c>. Never throws, whatever the bytes: the body is signed by the bank, not trusted by the
    /// parser. Values are not checked for shape here; the receiver does that before storing or logging any of them.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out Bank131Webhook? webhook)
    {
        webhook = null;
        // The JSON reader leaves string contents to be transcoded on access, where invalid UTF-8 would throw.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return false;
        }

        try
        {
            return TryParseValid(json, out webhook);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException or FormatException)
        {
            // An escaped lone surrogate ("\ud800") and similar text that reads but cannot become a .NET string.
            webhook = null;
            return false;
        }
    }

    private static bool TryParseValid(ReadOnlySpan<byte> json, [NotNullWhen(true)] out Bank131Webhook? webhook)
    {
        webhook = null;
        if (!Bank131SessionReader.TryParseDocument(json, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type)
                || type.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(type.GetString()))
            {
                return false;
            }

            var session = root.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.Object
                ? Bank131SessionReader.ReadSession(s)
                : null;
            webhook = new Bank131Webhook(type.GetString()!, session);
            return true;
        }
    }
}
