using System.Globalization;
using System.Text;

namespace PayoutVault.Bank131;

/// <summary>
/// The one rule for "does this free text hold something that could be a card number?", shared by every field the
/// vault stores or forwards in clear (idempotency keys, metadata, recipient names; the bank's free text too).
/// </summary>
/// <remarks>
/// People and programs write card numbers in many shapes: "4111111111111111", "4111-1111-1111-1111",
/// "4111  1111 ...", "4111.1111...", "4111/1111...", "4111_1111...", and in other digit scripts (fullwidth
/// "４１１１...", Arabic-Indic, ...). So the text is normalised first:
/// <list type="bullet">
/// <item>every Unicode decimal digit counts as its value, whatever its script;</item>
/// <item>any run of characters that are neither letters nor digits (spaces of any count, punctuation, symbols,
/// invisible characters) separates digit groups but does not end the number;</item>
/// <item>a letter ends it ("order:" before a number is fine; "a1b2c3..." is not a card number).</item>
/// </list>
/// Within each letter-free stretch, any run of consecutive digit groups holding 12 to 19 digits (the card number
/// lengths the vault accepts) that passes the Luhn check is a card number, and so is any single unbroken run of 12
/// or more digits that passes it. The check is deliberately wide: a false alarm costs a caller a rewritten field,
/// a miss puts a card number in clear outside the vault. Luhn passes one random number in ten, so long digit-only
/// values (space-separated timestamps, account numbers) are sometimes refused; the refusal says why.
/// </remarks>
public static class CardNumberDetector
{
    public const int MinDigits = 12;
    public const int MaxDigits = 19;

    public static bool ContainsCardNumber(string? text) => text is not null && ContainsCardNumber(text.AsSpan());

    public static bool ContainsCardNumber(ReadOnlySpan<char> text) => Find(text, 0) is not null;

    /// <summary>
    /// The text with every stretch the detector flags (from the first to the last digit of the flagged groups)
    /// replaced by "[masked]"; for free text that must be kept (a bank's error description) rather than refused.
    /// </summary>
    public static string? Mask(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        StringBuilder? output = null;
        var copied = 0;
        while (Find(text, copied) is { } hit)
        {
            output ??= new StringBuilder(text.Length);
            output.Append(text, copied, hit.Start - copied).Append("[masked]");
            copied = hit.End;
        }
        return output is null ? text : output.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The char range of the first card number at or after <paramref name="from"/>, or null.</summary>
    private static (int Start, int End)? Find(ReadOnlySpan<char> text, int from)
    {
        // Digits of the current letter-free stretch, and per group: where its digits end and where it sits in the text.
        var length = text.Length - from;
        Span<byte> digits = length <= 512 ? stackalloc byte[length] : new byte[length];
        var groups = new List<(int DigitsEnd, int CharStart, int CharEnd)>();
        var count = 0;
        var groupStart = -1;
        var i = from;
        while (i <= text.Length)
        {
            int value = 0, width = 1;
            var kind = i < text.Length ? Classify(text, i, out value, out width) : CharKind.End;
            if (kind == CharKind.Digit)
            {
                if (groupStart < 0) groupStart = i;
                digits[count++] = (byte)value;
                i += width;
                continue;
            }
            if (groupStart >= 0)
            {
                groups.Add((count, groupStart, i));
                groupStart = -1;
            }
            if (kind is CharKind.Letter or CharKind.End)
            {
                if (StretchHoldsCardNumber(digits[..count], groups) is { } hit) return hit;
                count = 0;
                groups.Clear();
                if (kind == CharKind.End) return null;
            }
            i += width;
        }
        return null;
    }

    private enum CharKind { Digit, Letter, Separator, End }

    private static CharKind Classify(ReadOnlySpan<char> text, int index, out int value, out int width)
    {
        width = 1;
        value = 0;
        Rune rune;
        if (Rune.DecodeFromUtf16(text[index..], out rune, out var consumed) == System.Buffers.OperationStatus.Done)
            width = consumed;
        else
            return CharKind.Separator; // a lone surrogate: neither letter nor digit
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
        {
            var digit = (int)Rune.GetNumericValue(rune);
            if (digit is >= 0 and <= 9)
            {
                value = digit;
                return CharKind.Digit;
            }
        }
        return Rune.IsLetter(rune) ? CharKind.Letter : CharKind.Separator;
    }

    /// <summary>Every run of consecutive groups with 12-19 digits, and every single group of 12+, against Luhn;
    /// the char range of the first that passes.</summary>
    private static (int Start, int End)? StretchHoldsCardNumber(ReadOnlySpan<byte> digits,
        List<(int DigitsEnd, int CharStart, int CharEnd)> groups)
    {
        if (digits.Length < MinDigits) return null;
        for (var first = 0; first < groups.Count; first++)
        {
            var start = first == 0 ? 0 : groups[first - 1].DigitsEnd;
            if (groups[first].DigitsEnd - start > MaxDigits && PassesLuhn(digits[start..groups[first].DigitsEnd]))
                return (groups[first].CharStart, groups[first].CharEnd);
            for (var last = first; last < groups.Count; last++)
            {
                var length = groups[last].DigitsEnd - start;
                if (length > MaxDigits) break;
                if (length >= MinDigits && PassesLuhn(digits[start..groups[last].DigitsEnd]))
                    return (groups[first].CharStart, groups[last].CharEnd);
            }
        }
        return null;
    }

    /// <summary>Luhn over digit values (0-9, not ASCII).</summary>
    private static bool PassesLuhn(ReadOnlySpan<byte> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i];
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }
}
