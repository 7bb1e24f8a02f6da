using System.Text;

namespace PayoutVault.Bank131;

/// <summary>
/// Masks anything that looks like a card number in text the bank sends back (error descriptions), so that a bank
/// message quoting the card can never carry a full PAN into the vault's results, logs or events.
/// </summary>
public static class CardNumberMasking
{
    /// <summary>Shortest digit run treated as a possible PAN (card numbers are 12 to 19 digits).</summary>
    private const int MinDigits = 12;

    /// <summary>
    /// Masks every unbroken or singly-separated run of 12+ ASCII digits (Luhn or not), then whatever the shared
    /// <see cref="CardNumberDetector"/> still flags (other digit scripts, other separators).
    /// </summary>
    public static string? Mask(string? text) => CardNumberDetector.Mask(MaskDigitRuns(text));

    private static string? MaskDigitRuns(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        StringBuilder? output = null;
        var copiedUpTo = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }

            // A run of digits, allowing single spaces or dashes between groups ("4242 4242 ...").
            var start = i;
            var end = i;
            var digits = 0;
            var j = i;
            while (j < text.Length)
            {
                if (char.IsAsciiDigit(text[j]))
                {
                    digits++;
                    j++;
                    end = j;
                }
                else if ((text[j] == ' ' || text[j] == '-') && j + 1 < text.Length && char.IsAsciiDigit(text[j + 1]))
                {
                    j++;
                }
                else
                {
                    break;
                }
            }

            if (digits >= MinDigits)
            {
                output ??= new StringBuilder(text.Length);
                output.Append(text, copiedUpTo, start - copiedUpTo).Append("[masked]");
                copiedUpTo = end;
            }

            i = end;
        }

        if (output is null)
        {
            return text;
        }

        output.Append(text, copiedUpTo, text.Length - copiedUpTo);
        return output.ToString();
    }
}
