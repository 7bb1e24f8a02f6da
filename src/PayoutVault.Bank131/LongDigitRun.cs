using System.Globalization;
using System.Text;

namespace PayoutVault.Bank131;

/// <summary>
/// Finds what could be a card number hidden in a value the bank sends: twelve or more decimal digits (any script's,
/// fullwidth included) once separators between them are removed (spaces of any kind, dashes, dots, slashes,
/// underscores, zero-width spaces, in any number). Stricter than a Luhn check on purpose: a field from the bank has no business
/// holding a number that long, so nothing is lost by refusing or masking it. Whatever
/// <see cref="CardNumberDetector"/> (the rule for callers' free text, with its wider separators) finds counts too.
/// </summary>
public static class LongDigitRun
{
    /// <summary>Card numbers are 12 to 19 digits; the shortest is what counts.</summary>
    public const int MinDigits = 12;

    public const string MaskText = "[masked]";

    public static bool Contains(string? text) =>
        text is not null && (FindRun(text, 0) is not null || CardNumberDetector.ContainsCardNumber(text));

    /// <summary>The text with every long digit run (separators inside it included) replaced by
    /// <see cref="MaskText"/>; if <see cref="CardNumberDetector"/> still finds a card number in what is left (digits
    /// joined by other punctuation), the whole text becomes the mask.</summary>
    public static string? Mask(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var masked = MaskRuns(text);
        return CardNumberDetector.ContainsCardNumber(masked) ? MaskText : masked;
    }

    private static string MaskRuns(string text)
    {
        if (FindRun(text, 0) is null)
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        var copied = 0;
        while (FindRun(text, copied) is var (start, end))
        {
            output.Append(text, copied, start - copied).Append(MaskText);
            copied = end;
        }

        return output.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>True for characters that never belong in a stored or logged value: C0 and C1 controls (NUL
    /// included) and Unicode format characters (bidirectional overrides, zero-width joiners).</summary>
    public static bool IsControl(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;

    public static bool HasControl(string? text, bool allowLineBreaks = false)
    {
        if (text is null)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first run of at least <see cref="MinDigits"/> digits at or after <paramref name="from"/>:
    /// [start of its first digit, end of its last digit).</summary>
    private static (int Start, int End)? FindRun(string text, int from)
    {
        var i = from;
        while (i < text.Length)
        {
            if (!IsDigit(text, i))
            {
                i++;
                continue;
            }

            var start = i;
            var end = i;
            var digits = 0;
            while (i < text.Length)
            {
                if (IsDigit(text, i))
                {
                    digits++;
                    i += char.IsSurrogate(text[i]) ? 2 : 1;
                    end = i;
                }
                else if (IsSeparator(text[i]))
                {
                    i++;
                }
                else
                {
                    break;
                }
            }

            if (digits >= MinDigits)
            {
                return (start, end);
            }

            i = end;
        }

        return null;
    }

    /// <summary>Any decimal digit (Unicode category Nd), including those outside the basic plane.</summary>
    private static bool IsDigit(string text, int i) =>
        char.IsSurrogatePair(text, i)
            ? CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1])) == UnicodeCategory.DecimalDigitNumber
            : char.IsDigit(text[i]);

    /// <summary>Whitespace, dashes and underscores of any script, dots, slashes (fullwidth too), middle dots and
    /// the zero-width space, a classic way past a filter.</summary>
    private static bool IsSeparator(char c) =>
        char.IsWhiteSpace(c) || c is '.' or '/' or '\uFF0E' or '\uFF0F' or '\u00B7' or '\u2024' or '\u200B'
            || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.DashPunctuation or UnicodeCategory.ConnectorPunctuation;
}
