using System.Security.Cryptography;
using System.Text.Json;
using PayoutVault.Bank131;

namespace PayoutVault.Core.Payouts;

/// <summary>A validated, normalised CreatePayout request.</summary>
public sealed record PayoutRequest(
    string IdempotencyKey, string CardToken, long AmountMinor, string Currency, PayoutRecipient Recipient,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>
    /// SHA-256 of a canonical form of everything that defines the payout, so a retry with the same idempotency key
    /// can be told apart from a different request that reuses it.
    /// </summary>
    public byte[] Hash()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartArray();
            json.WriteStringValue(CardToken);
            json.WriteNumberValue(AmountMinor);
            json.WriteStringValue(Currency);
            json.WriteStringValue(Recipient.FullName ?? "");
            json.WriteStringValue(Recipient.FirstName ?? "");
            json.WriteStringValue(Recipient.LastName ?? "");
            json.WriteStringValue(Recipient.MiddleName ?? "");
            foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                json.WriteStringValue(k);
                json.WriteStringValue(v);
            }
            json.WriteEndArray();
        }
        return SHA256.HashData(stream.ToArray());
    }
}
