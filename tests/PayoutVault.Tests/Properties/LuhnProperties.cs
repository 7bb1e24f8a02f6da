using CsCheck;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Properties;

/// <summary>The vault's Luhn check (PanValidator.PassesLuhn) against the standard's definition and the errors Luhn
/// exists to catch.</summary>
public sealed class LuhnProperties
{
    [Fact]
    public void Luhn_AgreesWithTheStandardDefinition_ForAnyDigitString()
    {
        CardGens.Digits(0, 30).Sample(d => PanValidator.PassesLuhn(TestCards.Ascii(d)) == CardGens.ReferenceLuhn(d), iter: 20_000);
    }

    [Fact]
    public void ExactlyOneCheckDigit_CompletesAnyNumber()
    {
        CardGens.Digits(1, 25).Sample(body =>
            Enumerable.Range(0, 10).Count(c => PanValidator.PassesLuhn(TestCards.Ascii(body + (char)('0' + c)))) == 1, iter: 5_000);
    }

    [Fact]
    public void ChangingAnyOneDigit_OfAValidNumber_FailsTheCheck()
    {
        var gen = from pan in CardGens.LuhnValid
                  from at in Gen.Int[0, pan.Length - 1]
                  from shift in Gen.Int[1, 9]
                  select (pan, at, shift);
        gen.Sample((pan, at, shift) =>
        {
            var changed = pan.ToCharArray();
            changed[at] = (char)('0' + (changed[at] - '0' + shift) % 10);
            return !PanValidator.PassesLuhn(TestCards.Ascii(new string(changed)));
        }, iter: 20_000);
    }

    [Fact]
    public void SwappingTwoAdjacentDifferentDigits_FailsTheCheck_Except09And90()
    {
        var gen = from pan in CardGens.LuhnValid
                  from at in Gen.Int[0, pan.Length - 2]
                  select (pan, at);
        gen.Sample((pan, at) =>
        {
            var (a, b) = (pan[at], pan[at + 1]);
            if (a == b || (a, b) is ('0', '9') or ('9', '0')) return true; // the one transposition Luhn cannot see
            var swapped = pan.ToCharArray();
            (swapped[at], swapped[at + 1]) = (b, a);
            return !PanValidator.PassesLuhn(TestCards.Ascii(new string(swapped)));
        }, iter: 20_000);
    }

    [Fact]
    public void AnyByteThatIsNotADigit_FailsTheCheck()
    {
        var gen = from digits in CardGens.Digits(0, 19)
                  from at in Gen.Int[0, digits.Length]
                  from bad in Gen.Byte.Where(b => b is < (byte)'0' or > (byte)'9')
                  select (digits, at, bad);
        gen.Sample((digits, at, bad) =>
        {
            var bytes = TestCards.Ascii(digits).ToList();
            bytes.Insert(at, bad);
            return !PanValidator.PassesLuhn(bytes.ToArray());
        }, iter: 10_000);
    }
}
