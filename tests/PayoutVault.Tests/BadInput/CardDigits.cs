using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// "Does this text give away a card number?" for the suite: any test card number (or a 10-digit window of one) as
/// written, the same after Unicode digits are read as ASCII and separators dropped (a fullwidth or dotted number
/// that was stored as sent), and, for short texts such as replies, any Luhn-valid run a data-loss scanner would flag.
/// </summary>
public static class CardDigits
{
    /// <summary>Why the text leaks, or null when it does not.</summary>
    public static string? Leak(string text, bool luhnRuns = true)
    {
        var normalised = Normalise(text);
        foreach (var pan in TestCards.All)
        {
            if (CardDataScanner.ContainsPanDigits(text, pan)) return $"digits of the card ending {pan[^4..]}";
            if (CardDataScanner.ContainsPanDigits(normalised, pan)) return $"digits of the card ending {pan[^4..]} (written with separators or other digits)";
        }
        if (luhnRuns && CardDataScanner.FindLuhnRuns(text) is { Count: > 0 } runs)
            return $"a Luhn-valid run of {runs[0].Length} digits ending {runs[0][^4..]}";
        return null;
    }

    /// <summary>Every Unicode decimal digit as ASCII; spaces, dots, slashes, dashes, underscores and zero-width
    /// spaces removed.</summary>
    public static string Normalise(string text)
    {
        var chars = new List<char>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is ' ' or '.' or '/' or '-' or '_' or '\u200B' or '\u00A0' or '\u3000') continue;
            if (char.IsDigit(c)) chars.Add((char)('0' + (int)char.GetNumericValue(c)));
            else chars.Add(c);
        }
        return new string(chars.ToArray());
    }
}
