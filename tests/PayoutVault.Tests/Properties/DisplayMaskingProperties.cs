using CsCheck;
using PayoutVault.Bank131;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Properties;

/// <summary>
/// What may be shown of a card (PCI DSS 3.4.1): the last 4 always, the first 6 only from 15 digits up, so at least
/// five digits stay unknown; and text from the bank loses every card-number-like digit run before the vault keeps it.
/// </summary>
public sealed class DisplayMaskingProperties
{
    [Fact]
    public void TheDisplayedDigits_AreTheLast4_PlusTheFirst6OnlyFrom15Digits_LeavingAtLeast5Unknown()
    {
        CardGens.Digits(12, 19).Sample(pan =>
        {
            using var digits = PanDigits.CopyOf(TestCards.Ascii(pan));
            var expectedBin = pan.Length >= 15 ? pan[..6] : "";
            return digits.Last4 == pan[^4..] && digits.Bin == expectedBin
                && pan.Length - digits.Bin.Length - digits.Last4.Length >= 5
                && digits.ToString() == "PanDigits(redacted)";
        }, iter: 10_000);
    }

    /// <summary>Bank text: words, digit groups joined by single spaces or dashes (how a PAN is usually quoted), and
    /// card numbers written every way the detector knows.</summary>
    private static readonly Gen<string> BankText = Gen.OneOf(
            CardGens.Digits(1, 20),
            CardGens.LuhnValid.SelectMany(p => Gen.Int[1, p.Length - 1].Select(cut => p[..cut] + "-" + p[cut..])),
            CardGens.LuhnValid.Select(p => string.Join(' ', p.Chunk(4).Select(c => new string(c)))),
            Gen.String[Gen.Char['a', 'z'], 1, 8],
            Gen.OneOf(" ", "-", ". ", ", ", "Card ", " does not exist"))
        .Array[0, 10].Select(parts => string.Concat(parts));

    [Fact]
    public void MaskedBankText_HasNoRunOf12AsciiDigits_AndNoCardNumber_AndMaskingIsStable()
    {
        Gen.OneOf(BankText, CardGens.AnyText).Sample(text =>
        {
            var masked = CardNumberMasking.Mask(text)!;
            return LongestDigitRun(masked) < 12 && !CardNumberDetector.ContainsCardNumber(masked)
                && CardNumberMasking.Mask(masked) == masked;
        }, iter: 20_000);
    }

    [Fact]
    public void BankText_WithoutDigits_IsKeptAsItIs()
    {
        CardGens.AnyText.Where(t => !t.EnumerateRunes().Any(System.Text.Rune.IsDigit))
            .Sample(text => CardNumberMasking.Mask(text) == text, iter: 10_000);
    }

    /// <summary>Most ASCII digits in a run where single spaces or dashes may sit between digits.</summary>
    private static int LongestDigitRun(string text)
    {
        int longest = 0, run = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i])) longest = Math.Max(longest, ++run);
            else if (!((text[i] == ' ' || text[i] == '-') && run > 0 && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))) run = 0;
        }
        return longest;
    }
}
