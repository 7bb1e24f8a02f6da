using System.Text.Json;

namespace PayoutVault.Bank131;

/// <summary>A parsed <c>session</c> object (shared by responses, <c>session/status</c> and webhooks).</summary>
internal sealed record SessionInfo(
    string? Id,
    string? Status,
    string? ErrorCode,
    string? ErrorDescription,
    IReadOnlyList<Bank131Payout> Payouts);

/// <summary>A parsed response envelope <c>{"status":"ok"|"error","session":{...},"error":{...}}</c>.</summary>
internal sealed record ResponseEnvelope(string? Status, SessionInfo? Session, string? ErrorCode, string? ErrorDescription);

/// <summary>
/// Tolerant reader for the bank's JSON: unknown fields are ignored, v1 and v2 names are both accepted, and values
/// of an unexpected kind read as absent rather than failing the whole document.
/// </summary>
internal static class Bank131SessionReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>Parses exactly one JSON value (whitespace around it allowed, nothing else).</summary>
    public static bool TryParseDocument(ReadOnlySpan<byte> json, out JsonDocument? document)
    {
        document = null;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
            {
                return false;
            }

            if (reader.Read())
            {
                parsed.Dispose();
                return false;
            }

            document = parsed;
            return true;
        }
        catch (JsonException)
        {
            document?.Dispose();
            document = null;
            return false;
        }
    }

    public static bool TryReadEnvelope(ReadOnlySpan<byte> json, out ResponseEnvelope? envelope)
    {
        envelope = null;
        if (!TryParseDocument(json, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var session = root.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.Object
                ? ReadSession(s)
                : null;
            var (code, description) = ReadError(root);
            envelope = new ResponseEnvelope(GetString(root, "status"), session, code, description);
            return true;
        }
    }

    public static SessionInfo ReadSession(JsonElement session)
    {
        var payouts = new List<Bank131Payout>();
        foreach (var listName in (ReadOnlySpan<string>)["payments", "payout_list"])
        {
            if (session.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        payouts.Add(ReadPayout(item));
                    }
                }
            }
        }

        var (code, description) = ReadError(session);
        return new SessionInfo(GetString(session, "id"), GetString(session, "status"), code, description, payouts);
    }

    public static Bank131Payout ReadPayout(JsonElement payout)
    {
        var (code, description) = ReadError(payout);

        string? metadataJson = null;
        string? payoutIdFromMetadata = null;
        if (payout.TryGetProperty("metadata", out var metadata)
            && metadata.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            metadataJson = metadata.GetRawText();
            payoutIdFromMetadata = ReadPayoutIdFromMetadata(metadata);
        }

        long? amount = null;
        string? currency = null;
        if (payout.TryGetProperty("amount_details", out var amountDetails) && amountDetails.ValueKind == JsonValueKind.Object)
        {
            if (amountDetails.TryGetProperty("amount", out var a) && a.ValueKind == JsonValueKind.Number
                && a.TryGetInt64(out var value))
            {
                amount = value;
            }

            currency = GetString(amountDetails, "currency");
        }

        return new Bank131Payout(
            GetString(payout, "id"),
            GetString(payout, "status"),
            code,
            description,
            metadataJson,
            payoutIdFromMetadata,
            amount,
            currency,
            ReadCardLast4(payout));
    }

    /// <summary><c>error.code</c> and <c>error.description</c> of an object, description masked.</summary>
    public static (string? Code, string? Description) ReadError(JsonElement owner)
    {
        if (!owner.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        return (GetString(error, "code"), CardNumberMasking.Mask(GetString(error, "description")));
    }

    /// <summary>A string property, or a number's text (ids could in principle be numeric); otherwise null.</summary>
    public static string? GetString(JsonElement owner, string name)
    {
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    private static string? ReadPayoutIdFromMetadata(JsonElement metadata)
    {
        if (metadata.ValueKind == JsonValueKind.Object)
        {
            return GetString(metadata, "payout_id");
        }

        // Some integrations get metadata echoed back as a string holding the JSON that was sent.
        if (metadata.ValueKind == JsonValueKind.String)
        {
            var text = metadata.GetString();
            if (text is { Length: > 1 } && text.TrimStart().StartsWith('{'))
            {
                try
                {
                    using var inner = JsonDocument.Parse(text);
                    return inner.RootElement.ValueKind == JsonValueKind.Object
                        ? GetString(inner.RootElement, "payout_id")
                        : null;
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>Last four from <c>payment_method.card</c> (v1) or <c>payout_details.card</c> (v2), directly or under
    /// <c>bank_card</c>.</summary>
    private static string? ReadCardLast4(JsonElement payout)
    {
        foreach (var methodName in (ReadOnlySpan<string>)["payment_method", "payout_details"])
        {
            if (!payout.TryGetProperty(methodName, out var method) || method.ValueKind != JsonValueKind.Object
                || !method.TryGetProperty("card", out var card) || card.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var last4 = GetString(card, "last4");
            if (last4 is null && card.TryGetProperty("bank_card", out var bankCard))
            {
                last4 = GetString(bankCard, "last4");
            }

            if (last4 is not null)
            {
                return last4;
            }
        }

        return null;
    }
}
