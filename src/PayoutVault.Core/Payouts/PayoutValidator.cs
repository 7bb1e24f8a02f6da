using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PayoutVault.Bank131;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Tokens;

namespace PayoutVault.Core.Payouts;

/// <summary>CreatePayout input rules. Every violation is reported at once, by field, without echoing values.</summary>
public static partial class PayoutValidator
{
    public const long MaxAmountMinor = 1_000_000_000_000;
    public const int MaxNameLength = 256;
    public const int MaxMetadataEntries = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;
    public const int MaxMetadataBytes = 2048;
    public static readonly IReadOnlySet<string> Currencies = new HashSet<string>(StringComparer.Ordinal) { "rub", "usd", "eur" };

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex IdempotencyKeyPattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex MetadataKeyPattern();

    public static PayoutRequest Validate(PayoutSubmission r)
    {
        var v = new Violations();
        if (string.IsNullOrEmpty(r.IdempotencyKey)) v.Add("idempotency_key", "idempotency_key is required");
        else if (!IdempotencyKeyPattern().IsMatch(r.IdempotencyKey))
            v.Add("idempotency_key", "idempotency_key must be 1-128 characters of A-Z a-z 0-9 . _ : -");
        // The key is stored in clear, streamed to subscribers, sent to the bank and quoted in errors: never a card number.
        else if (CardNumberDetector.ContainsCardNumber(r.IdempotencyKey))
            v.Add("idempotency_key", "idempotency_key must not contain a card number");

        if (string.IsNullOrEmpty(r.CardToken)) v.Add("card_token", "card_token is required");
        else if (!TokenFormat.IsValid(r.CardToken)) v.Add("card_token", "card_token must be tok_ followed by 26 base32 characters");

        if (r.AmountMinor <= 0) v.Add("amount_minor", "amount_minor must be greater than zero");
        else if (r.AmountMinor > MaxAmountMinor) v.Add("amount_minor", $"amount_minor must not exceed {MaxAmountMinor}");

        var currency = (r.Currency ?? "").ToLowerInvariant();
        if (!Currencies.Contains(currency)) v.Add("currency", "currency must be one of rub, usd, eur");

        var recipient = ValidateRecipient(r.Recipient, v);
        var metadata = ValidateMetadata(r.Metadata, v);
        v.ThrowIfAny();
        return new PayoutRequest(r.IdempotencyKey, r.CardToken, r.AmountMinor, currency, recipient!, metadata);
    }

    private static PayoutRecipient? ValidateRecipient(RecipientSubmission? r, Violations v)
    {
        if (r is null)
        {
            v.Add("recipient", "recipient is required");
            return null;
        }
        var full = Name(r.FullName, "recipient.full_name", v);
        var first = Name(r.FirstName, "recipient.first_name", v);
        var last = Name(r.LastName, "recipient.last_name", v);
        var middle = Name(r.MiddleName, "recipient.middle_name", v);
        if (full is null && (first is null || last is null) && !v.Any)
            v.Add("recipient", "recipient needs full_name, or both first_name and last_name");
        return new PayoutRecipient(full, first, last, middle);
    }

    private static string? Name(string value, string field, Violations v)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (string.IsNullOrWhiteSpace(value)) v.Add(field, $"{field} must not be blank");
        else if (value.Length > MaxNameLength) v.Add(field, $"{field} must be at most {MaxNameLength} characters");
        else if (HasControlOrFormat(value)) v.Add(field, $"{field} must not contain control characters");
        // Names are stored in clear and sent to subscribers' logs and the bank's: never a card number.
        else if (CardNumberDetector.ContainsCardNumber(value)) v.Add(field, $"{field} must not contain card numbers");
        else return value.Trim();
        return null;
    }

    private static Dictionary<string, string> ValidateMetadata(IReadOnlyDictionary<string, string> metadata, Violations v)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata.Count > MaxMetadataEntries) v.Add("metadata", $"metadata may hold at most {MaxMetadataEntries} entries");
        var bytes = 0;
        foreach (var (key, value) in metadata)
        {
            // A refused key is never named in the violation: it may be the card number.
            if (!MetadataKeyPattern().IsMatch(key))
                v.Add("metadata", $"metadata keys must be 1-{MaxMetadataKeyLength} characters of A-Z a-z 0-9 _ . -");
            else if (CardNumberDetector.ContainsCardNumber(key))
                v.Add("metadata", "metadata keys must not contain card numbers");
            else if (value.Length > MaxMetadataValueLength)
                v.Add($"metadata[{key}]", $"metadata values must be at most {MaxMetadataValueLength} characters");
            else if (HasControlOrFormat(value))
                v.Add($"metadata[{key}]", "metadata values must not contain control characters");
            else if (CardNumberDetector.ContainsCardNumber(value))
                v.Add($"metadata[{key}]", "metadata must not contain card numbers");
            bytes += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
            result[key] = value;
        }
        if (bytes > MaxMetadataBytes) v.Add("metadata", $"metadata must be at most {MaxMetadataBytes} bytes in all");
        return result;
    }

    private static bool HasControlOrFormat(string s)
    {
        foreach (var rune in s.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
                return true;
        }
        return false;
    }
}
