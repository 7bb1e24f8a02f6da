using CsCheck;
using PayoutVault.Bank131;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Properties;

/// <summary>
/// The card-number detector beside the vault's PAN rule (the detector's own properties over scripts and separators
/// are in PayoutVault.Bank131.Tests): whatever the vault would tokenize as a card, the detector flags wherever it
/// appears, and its masking removes exactly what it flags.
/// </summary>
public sealed class CardNumberDetectorProperties
{
    /// <summary>Text made of words, digit groups (some of them card numbers) and separators.</summary>
    private static readonly Gen<string> MixedText = Gen.OneOf(
            CardGens.LuhnValid,
            CardGens.Digits(1, 8),
            Gen.String[Gen.Char['a', 'z'], 1, 6],
            Gen.OneOf(" ", "-", ".", "/", "  ", ": ", "\u00a0", "\u3000", "#"),
            Gen.Char['\uff10', '\uff19'].Array[1, 5].Select(c => new string(c)))
        .Array[0, 12].Select(parts => string.Concat(parts));

    [Fact]
    public void EveryCardNumberTheVaultAccepts_IsFlagged_BareOrInsideText()
    {
        var gen = from pan in CardGens.LuhnValid.Where(p => PanValidator.Validate(TestCards.Ascii(p)) is null)
                  from prefix in Gen.OneOf("", "ref ", "card=", "Карта: ", "x ")
                  from suffix in Gen.OneOf("", " ok", ", thanks", "/done")
                  select (pan, text: prefix + pan + suffix);
        gen.Sample((pan, text) => CardNumberDetector.ContainsCardNumber(pan) && CardNumberDetector.ContainsCardNumber(text),
            iter: 20_000);
    }

    [Fact]
    public void Mask_ChangesText_ExactlyWhenTheDetectorFlagsIt()
    {
        MixedText.Sample(text => (CardNumberDetector.Mask(text) != text) == CardNumberDetector.ContainsCardNumber(text), iter: 20_000);
    }

    [Fact]
    public void MaskedText_HoldsNoCardNumber_AndMaskingAgainChangesNothing()
    {
        Gen.OneOf(MixedText, CardGens.AnyText).Sample(text =>
        {
            var masked = CardNumberDetector.Mask(text);
            return !CardNumberDetector.ContainsCardNumber(masked) && CardNumberDetector.Mask(masked) == masked;
        }, iter: 20_000);
    }
}
