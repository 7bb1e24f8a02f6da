using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PayoutVault.Sandbox;

/// <summary>What the sandbox keeps of an <c>init/payout</c> body: everything but the card number (last 4 only).</summary>
internal sealed record ParsedPayoutRequest(
    JsonElement? Recipient,
    long? Amount,
    string? Currency,
    JsonElement? Metadata,
    string? CardLast4,
    string? ScenarioText,
    string? Error);

/// <summary>Validates a single-request card payout body as the bank does (FACTS.md section 3).</summary>
internal static class PayoutRequestValidator
{
    private static readonly HashSet<string> Currencies = new(StringComparer.Ordinal) { "rub", "usd", "eur", "tonc" };

    public static ParsedPayoutRequest Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            // Parse(ReadOnlyMemory) reads the caller's wiped buffer in place; no copy of the card number is made.
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            return new ParsedPayoutRequest(null, null, null, null, null, null, "The body is not valid JSON.");
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    private static ParsedPayoutRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new ParsedPayoutRequest(null, null, null, null, null, null, "The body must be a JSON object.");
        }

        var errors = new List<string>();

        // payment_method.card.bank_card.number
        string? last4 = null;
        var method = Child(root, "payment_method");
        var card = Child(method, "card");
        var bankCard = Child(card, "bank_card");
        if (method is null)
        {
            errors.Add("payment_method is required.");
        }
        else if (StringOf(method, "type") != "card")
        {
            errors.Add("payment_method.type must be 'card'.");
        }
        else if (card is null || StringOf(card, "type") != "bank_card")
        {
            errors.Add("payment_method.card.type must be 'bank_card'.");
        }
        else if (bankCard is null || !bankCard.Value.TryGetProperty("number", out var number) || !TryReadLast4(number, out last4))
        {
            errors.Add("payment_method.card.bank_card.number must be a string of 14 to 19 digits.");
        }

        // participant_details.recipient
        var recipient = Child(Child(root, "participant_details"), "recipient");
        if (recipient is null)
        {
            errors.Add("participant_details.recipient is required for a payout.");
        }
        else if (!HasText(recipient, "full_name") && !(HasText(recipient, "first_name") && HasText(recipient, "last_name")))
        {
            errors.Add("participant_details.recipient needs full_name, or first_name and last_name.");
        }

        // amount_details
        long? amount = null;
        string? currency = null;
        var amountDetails = Child(root, "amount_details");
        if (amountDetails is null)
        {
            errors.Add("amount_details is required.");
        }
        else
        {
            if (amountDetails.Value.TryGetProperty("amount", out var a) && a.ValueKind == JsonValueKind.Number
                && a.TryGetInt64(out var value))
            {
                amount = value;
            }

            if (amount is null or <= 0)
            {
                errors.Add("amount_details.amount must be an integer greater than zero (minor units).");
            }

            currency = StringOf(amountDetails, "currency");
            if (currency is null || !Currencies.Contains(currency))
            {
                errors.Add("amount_details.currency must be one of rub, usd, eur, tonc (lowercase).");
            }
        }

        JsonElement? metadata = root.TryGetProperty("metadata", out var m) ? m.Clone() : null;
        var scenario = StringOf(Child(Child(root, "metadata"), "reference"), "scenario");

        return new ParsedPayoutRequest(
            recipient?.Clone(),
            amount,
            currency,
            metadata,
            last4,
            scenario,
            errors.Count == 0 ? null : string.Join(" ", errors));
    }

    /// <summary>
    /// Checks the card number and keeps only its last four digits. The value is unescaped into a stack buffer that
    /// is wiped afterwards, so no string ever holds the number.
    /// </summary>
    private static bool TryReadLast4(JsonElement number, out string? last4)
    {
        last4 = null;
        if (number.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var raw = JsonMarshal.GetRawUtf8Value(number); // the token including its quotes
        if (raw.Length > 6 * 19 + 2)
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[128];
        try
        {
            var reader = new Utf8JsonReader(raw);
            reader.Read();
            var length = reader.CopyString(digits);
            if (length is < 14 or > 19)
            {
                return false;
            }

            foreach (var b in digits[..length])
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }
            }

            last4 = Encoding.ASCII.GetString(digits.Slice(length - 4, 4));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(digits);
        }
    }

    private static JsonElement? Child(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var child) && child.ValueKind == JsonValueKind.Object
            ? child
            : null;

    private static string? StringOf(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static bool HasText(JsonElement? parent, string name) => !string.IsNullOrWhiteSpace(StringOf(parent, name));
}
