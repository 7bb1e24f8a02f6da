using System.Text.Json;

namespace PayoutVault.Bank131;

/// <summary>
/// Builds the body of <c>POST /api/v1/session/init/payout</c> (single-request card payout).
/// </summary>
/// <remarks>
/// The body is serialised exactly once, straight into a <see cref="ZeroingBufferWriter"/>, and handed back as a
/// <see cref="SensitiveBuffer"/>: those bytes are signed and sent as they are, because the signature covers the
/// raw bytes and any re-serialisation would break it. The card number only ever exists as UTF-8 bytes in wiped
/// buffers; no string ever holds it.
/// </remarks>
public static class PayoutRequestBody
{
    /// <summary>The card number length the vault accepts; the bank itself requires 14 to 19 digits.</summary>
    public const int MinPanLength = 12;

    public const int MaxPanLength = 19;

    /// <summary>
    /// Writes
    /// <c>{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"…"}}},
    /// "participant_details":{"recipient":{…}},"amount_details":{"amount":N,"currency":"rub"},
    /// "metadata":{"payout_id":"…","reference":{…}}}</c>.
    /// </summary>
    /// <param name="panDigits">ASCII digits of the card number.</param>
    /// <param name="recipient">Full name, or first and last name (and optionally middle name).</param>
    /// <param name="amountMinor">Amount in minor units (kopecks), greater than zero.</param>
    /// <param name="currency">ISO code; written lowercase as the bank expects.</param>
    /// <param name="payoutId">The vault's own payout id; the bank echoes metadata, so a webhook can find its payout
    /// even when the init response (and with it the bank's session id) was lost.</param>
    /// <param name="reference">The caller's metadata, written as string values under <c>metadata.reference</c>
    /// in ordinal key order so the same request always produces the same bytes.</param>
    public static SensitiveBuffer Write(
        ReadOnlySpan<byte> panDigits,
        PayoutRecipient recipient,
        long amountMinor,
        string currency,
        string payoutId,
        IReadOnlyDictionary<string, string> reference)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentException.ThrowIfNullOrWhiteSpace(currency);
        ArgumentException.ThrowIfNullOrWhiteSpace(payoutId);

        // Messages name the rule, never the value: the value is a card number.
        if (panDigits.Length is < MinPanLength or > MaxPanLength || !IsAsciiDigits(panDigits))
        {
            throw new ArgumentException(
                $"The card number must be {MinPanLength} to {MaxPanLength} ASCII digits.", nameof(panDigits));
        }

        if (amountMinor <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amountMinor), "The amount must be greater than zero (minor units).");
        }

        if (!recipient.IsComplete)
        {
            throw new ArgumentException(
                "The recipient needs a full name, or both a first name and a last name.", nameof(recipient));
        }

        var currencyLower = currency.Trim().ToLowerInvariant();
        if (!currencyLower.All(char.IsAsciiLetterLower))
        {
            throw new ArgumentException("The currency must be an alphabetic code such as 'rub'.", nameof(currency));
        }

        var buffer = new ZeroingBufferWriter(512);
        try
        {
            using (var json = new Utf8JsonWriter(buffer, Bank131JsonEncoding.WriterOptions))
            {
                json.WriteStartObject();

                json.WriteStartObject("payment_method"u8);
                json.WriteString("type"u8, "card"u8);
                json.WriteStartObject("card"u8);
                json.WriteString("type"u8, "bank_card"u8);
                json.WriteStartObject("bank_card"u8);
                // Digits never need escaping, so Utf8JsonWriter copies them straight into the zeroing buffer.
                json.WriteString("number"u8, panDigits);
                json.WriteEndObject(); // bank_card
                json.WriteEndObject(); // card
                json.WriteEndObject(); // payment_method

                json.WriteStartObject("participant_details"u8);
                json.WriteStartObject("recipient"u8);
                WriteIfPresent(json, "full_name"u8, recipient.FullName);
                WriteIfPresent(json, "first_name"u8, recipient.FirstName);
                WriteIfPresent(json, "last_name"u8, recipient.LastName);
                WriteIfPresent(json, "middle_name"u8, recipient.MiddleName);
                json.WriteEndObject(); // recipient
                json.WriteEndObject(); // participant_details

                json.WriteStartObject("amount_details"u8);
                json.WriteNumber("amount"u8, amountMinor);
                json.WriteString("currency"u8, currencyLower);
                json.WriteEndObject();

                json.WriteStartObject("metadata"u8);
                json.WriteString("payout_id"u8, payoutId);
                json.WriteStartObject("reference"u8);
                foreach (var pair in reference.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (pair.Value is null)
                    {
                        json.WriteNull(pair.Key);
                    }
                    else
                    {
                        json.WriteString(pair.Key, pair.Value);
                    }
                }

                json.WriteEndObject(); // reference
                json.WriteEndObject(); // metadata

                json.WriteEndObject();
            }

            return buffer.DetachAsSensitiveBuffer();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }

    private static bool IsAsciiDigits(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }
}
