using CsCheck;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Properties;

/// <summary>
/// PanValidator.Validate for any input bytes: accepted exactly when the input is 12 to 19 ASCII digits passing Luhn
/// and not a placeholder pattern; a refusal is one of a few fixed messages that never repeat the input.
/// </summary>
public sealed class PanValidatorProperties
{
    private static readonly HashSet<string> Messages =
    [
        "pan is required",
        "pan must contain ASCII digits only, without spaces or separators",
        "pan must be 12 to 19 digits long",
        "pan fails the Luhn check",
        "pan is not a card number (a placeholder digit pattern)",
    ];

    /// <summary>Mostly digit strings around the valid lengths (half of them Luhn-valid), sometimes with other bytes.</summary>
    private static readonly Gen<byte[]> Inputs = Gen.Frequency(
        (4, CardGens.Digits(0, 24).Select(TestCards.Ascii)),
        (4, CardGens.Digits(10, 20).Select(CardGens.WithCheckDigit).Select(TestCards.Ascii)),
        (2, Gen.Byte.Array[0, 24]),
        (1, Gen.OneOf(Gen.Char['0', '9'], Gen.Const(' '), Gen.Const('-'), Gen.Const('\u0660')).Array[12, 19]
            .Select(c => System.Text.Encoding.UTF8.GetBytes(new string(c)))));

    [Fact]
    public void Validate_AcceptsExactly_12To19AsciiDigits_PassingLuhn_ThatAreNoPlaceholder()
    {
        Inputs.Sample(pan =>
        {
            var expected = pan.Length is >= 12 and <= 19 && pan.All(b => b is >= (byte)'0' and <= (byte)'9')
                && CardGens.ReferenceLuhn(System.Text.Encoding.ASCII.GetString(pan)) && !PanValidator.IsDegenerate(pan);
            return (PanValidator.Validate(pan) is null) == expected;
        }, iter: 20_000);
    }

    [Fact]
    public void ARefusal_IsAFixedMessage_ThatNeverQuotesTheInput()
    {
        Inputs.Sample(pan =>
        {
            var message = PanValidator.Validate(pan);
            if (message is null) return true;
            var text = System.Text.Encoding.Latin1.GetString(pan);
            return Messages.Contains(message) && (text.Length < 3 || !message.Contains(text, StringComparison.Ordinal));
        }, iter: 20_000);
    }

    [Fact]
    public void PlaceholderPatterns_AreRefused_EvenWhenTheyPassLuhn()
    {
        // One digit repeated, counting up or down (wrapping 9 -> 0), or an all-zero issuer number.
        var gen = from length in Gen.Int[12, 19]
                  from start in Gen.Int[0, 9]
                  from step in Gen.OneOf(Gen.Const(0), Gen.Const(1), Gen.Const(9))
                  from tail in CardGens.Digits(length - 6, length - 6)
                  from zeroIssuer in Gen.Bool
                  select zeroIssuer
                      ? new string('0', 6) + tail
                      : new string(Enumerable.Range(0, length).Select(i => (char)('0' + (start + step * i) % 10)).ToArray());
        gen.Sample(pan => PanValidator.IsDegenerate(TestCards.Ascii(pan)) && PanValidator.Validate(TestCards.Ascii(pan)) is not null,
            iter: 5_000);
    }
}
