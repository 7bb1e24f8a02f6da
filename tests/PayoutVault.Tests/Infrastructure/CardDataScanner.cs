namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// Looks for card numbers in text the way a data-loss scanner does: whole numbers (not glued to letters or other
/// digits) of 12 to 19 digits that start with 1-9 (no card number starts with 0) and pass the Luhn check,
/// optionally written in groups of at least four digits separated by one space or dash.
/// </summary>
public static class CardDataScanner
{
    public const int MinLength = 12;
    public const int MaxLength = 19;

    /// <summary>Every card-like number in the text (separators removed).</summary>
    public static IReadOnlyList<string> FindLuhnRuns(string text, bool allowSeparators = true)
    {
        var found = new List<string>();
        foreach (var run in DigitRuns(text, allowSeparators, wholeWordsOnly: true))
            if (run.Length is >= MinLength and <= MaxLength && run[0] != '0' && PassesLuhn(run)) found.Add(run);
        return found;
    }

    /// <summary>
    /// Maximal runs of ASCII digits (with grouping separators removed when allowed). With
    /// <paramref name="wholeWordsOnly"/>, runs touching a letter (hex ids, base32 tokens) are skipped.
    /// </summary>
    public static IEnumerable<string> DigitRuns(string text, bool allowSeparators = false, bool wholeWordsOnly = false)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i])) { i++; continue; }
            var start = i;
            var digits = new System.Text.StringBuilder();
            var group = 0;
            while (i < text.Length)
            {
                if (char.IsAsciiDigit(text[i])) { digits.Append(text[i]); group++; i++; continue; }
                if (allowSeparators && group >= 4 && text[i] is (' ' or '-')
                    && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && GroupLength(text, i + 1) >= 4)
                {
                    group = 0;
                    i++;
                    continue;
                }
                break;
            }
            var glued = (start > 0 && char.IsAsciiLetter(text[start - 1])) || (i < text.Length && char.IsAsciiLetter(text[i]));
            if (!wholeWordsOnly || !glued) yield return digits.ToString();
        }
    }

    /// <summary>
    /// True when the text holds the card number, or any window of it long enough to reveal digits beyond the first
    /// six and last four (every 10-digit window of a 15-19 digit number covers a middle digit). Windows of one
    /// repeated digit ("0000000000") are skipped: they match zero-padded ids, not card data.
    /// </summary>
    public static bool ContainsPanDigits(string text, string pan, int window = 10)
    {
        if (text.Contains(pan, StringComparison.Ordinal)) return true;
        for (var i = 0; i + window <= pan.Length; i++)
        {
            var part = pan.AsSpan(i, window);
            if (part.IndexOfAnyExcept(part[0]) < 0) continue;
            if (text.Contains(part, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public static bool PassesLuhn(string digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9) return false;
            if (doubleIt) { d *= 2; if (d > 9) d -= 9; }
            sum += d;
            doubleIt = !doubleIt;
        }
        return digits.Length > 0 && sum % 10 == 0;
    }

    private static int GroupLength(string text, int start)
    {
        var n = 0;
        while (start + n < text.Length && char.IsAsciiDigit(text[start + n])) n++;
        return n;
    }
}
