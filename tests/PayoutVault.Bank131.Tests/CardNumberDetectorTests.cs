using System.Text;
using CsCheck;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// The shared card-number detector: examples from the outside test that found card numbers stored in clear, and
/// properties over generated card numbers written every way the detector promises to see through.
/// </summary>
public sealed class CardNumberDetectorTests
{
    /// <summary>Zero in other decimal digit scripts: fullwidth, Arabic-Indic, Devanagari, Bengali, Thai, and
    /// mathematical bold (outside the BMP: a surrogate pair per digit).</summary>
    private static readonly int[] DigitZeros = ['0', 0xFF10, 0x0660, 0x0966, 0x09E6, 0x0E50, 0x1D7CE];

    /// <summary>Things people and programs put between digit groups.</summary>
    private static readonly string[] Separators =
        [" ", "  ", "   ", "-", "--", ".", "/", "_", ":", ",", " - ", "\u00A0", "\u2009", "\u3000", "*", "|", "+", "~", "#", "'"];

    [Theory]
    [InlineData("4111111111111111")]
    [InlineData("order:4111-1111-1111-1111")]
    [InlineData("4111  1111  1111  1111")]
    [InlineData("4111.1111.1111.1111")]
    [InlineData("4111/1111/1111/1111")]
    [InlineData("4111_1111_1111_1111")]
    [InlineData("４１１１１１１１１１１１１１１１")]
    [InlineData("card ４１１１ １１１１ １１１１ １１１１ please")]
    [InlineData("ref 12, card 5555 5555 5555 4444, thanks")]
    [InlineData("3782 822463 10005")] // Amex grouping 4-6-5
    public void Finds_card_numbers_however_written(string text) => Assert.True(CardNumberDetector.ContainsCardNumber(text));

    [Theory]
    [InlineData("")]
    [InlineData("order-2024-000123")]
    [InlineData("4111111111111112")]             // fails Luhn
    [InlineData("4111-1111-1111-1112")]
    [InlineData("550e8400-e29b-41d4-a716-44665544")]
    [InlineData("Ivan Petrov")]
    [InlineData("invoice 12345 of 2024-01-15")]
    [InlineData("a4b1c1d1e1f1g1h1i1j1k1l1m1n1o1p1")] // letters between every digit: not a number
    [InlineData("41111111111")]                  // 11 digits
    public void Leaves_ordinary_text_alone(string text) => Assert.False(CardNumberDetector.ContainsCardNumber(text));

    [Fact]
    public void Any_luhn_valid_number_of_12_to_19_digits_is_found_however_grouped_scripted_and_embedded()
    {
        var gen =
            from pan in CardNumber
            from zero in Gen.OneOf(DigitZeros)
            from mixScripts in Gen.Bool
            from cuts in Gen.Int[1, pan.Length - 1].Array[0, 6]
            from separators in Gen.OneOf(Separators).Array[6]
            from prefix in Gen.OneOf("", "order:", "ref ", "card=", "Карта ", "#", "x ")
            from suffix in Gen.OneOf("", " ok", "/done", ".", " конец")
            from scriptPicks in Gen.OneOf(DigitZeros).Array[pan.Length]
            select (pan, Text: prefix + Render(pan, cuts, separators, mixScripts ? scriptPicks : null, zero) + suffix);

        gen.Sample(x => CardNumberDetector.ContainsCardNumber(x.Text), iter: 20_000);
    }

    [Fact]
    public void A_plain_number_of_12_to_19_digits_is_found_exactly_when_it_passes_luhn()
    {
        var gen = Gen.Int[12, 19].SelectMany(n => Gen.Char['0', '9'].Array[n]).Select(d => new string(d));
        gen.Sample(s => CardNumberDetector.ContainsCardNumber(s) == PassesLuhn(s), iter: 20_000);
    }

    [Fact]
    public void Text_whose_letter_free_stretches_hold_fewer_than_12_digits_is_never_flagged()
    {
        // Words and short numbers, as names and references are written: letters end every stretch.
        var word = Gen.String[Gen.Char['a', 'z'], 1, 8];
        var shortNumber = Gen.Int[1, 5].SelectMany(groups => Gen.Int[0, 99].Array[groups])
            .Select(parts => string.Join("-", parts)); // at most 5 groups of 2 digits = 10 digits
        var gen = Gen.OneOf(word, shortNumber).Array[1, 12].Select(parts =>
        {
            var sb = new StringBuilder();
            for (var i = 0; i < parts.Length; i++)
                sb.Append(i == 0 ? "" : " x ").Append(parts[i]); // a letter between any two parts
            return sb.ToString();
        });
        gen.Sample(s => !CardNumberDetector.ContainsCardNumber(s), iter: 10_000);
    }

    [Fact]
    public void Text_without_digits_is_never_flagged()
    {
        var gen = Gen.String[Gen.Char.Where(c => !char.IsDigit(c)), 0, 200];
        gen.Sample(s => !CardNumberDetector.ContainsCardNumber(s), iter: 10_000);
    }

    [Theory]
    [InlineData("Card ４１１１ １１１１ １１１１ １１１１ is unknown", "Card [masked] is unknown")]
    [InlineData("card 4111.1111.1111.1111, and 5555/5555/5555/4444.", "card [masked], and [masked].")]
    [InlineData("nothing to hide: ref 12345", "nothing to hide: ref 12345")]
    public void Mask_replaces_exactly_the_flagged_digits(string text, string expected) =>
        Assert.Equal(expected, CardNumberDetector.Mask(text));

    [Fact]
    public void Masked_text_never_holds_a_card_number_however_written()
    {
        var gen =
            from pan in CardNumber
            from zero in Gen.OneOf(DigitZeros)
            from cuts in Gen.Int[1, pan.Length - 1].Array[0, 6]
            from separators in Gen.OneOf(Separators).Array[6]
            from prefix in Gen.OneOf("", "Card ", "number=", "ошибка: ")
            from suffix in Gen.OneOf("", " is unknown", ".")
            select prefix + Render(pan, cuts, separators, null, zero) + suffix;

        gen.Sample(text => !CardNumberDetector.ContainsCardNumber(CardNumberMasking.Mask(text)), iter: 10_000);
    }

    /// <summary>A Luhn-valid number of 12 to 19 ASCII digits.</summary>
    private static readonly Gen<string> CardNumber =
        Gen.Int[12, 19].SelectMany(n => Gen.Char['0', '9'].Array[n - 1]).Select(body =>
        {
            var s = new string(body);
            for (var check = '0'; check <= '9'; check++)
                if (PassesLuhn(s + check)) return s + check;
            throw new InvalidOperationException("unreachable: one check digit always fits");
        });

    /// <summary>The digits in the chosen script(s), with a separator at each cut.</summary>
    private static string Render(string pan, int[] cuts, string[] separators, int[]? perDigitZero, int zero)
    {
        var sb = new StringBuilder();
        var cutSet = cuts.Distinct().Order().ToArray();
        for (var i = 0; i < pan.Length; i++)
        {
            var at = Array.IndexOf(cutSet, i);
            if (at >= 0) sb.Append(separators[at % separators.Length]);
            sb.Append(char.ConvertFromUtf32((perDigitZero?[i] ?? zero) + (pan[i] - '0')));
        }
        return sb.ToString();
    }

    private static bool PassesLuhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return sum % 10 == 0;
    }
}
