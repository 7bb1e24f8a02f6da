using CsCheck;

namespace PayoutVault.Tests.Properties;

/// <summary>Generators and a textbook Luhn shared by the property tests. Pure: no server, no database.</summary>
internal static class CardGens
{
    /// <summary>ASCII digit strings of <paramref name="min"/> to <paramref name="max"/> characters.</summary>
    public static Gen<string> Digits(int min, int max) =>
        Gen.Int[min, max].SelectMany(n => Gen.Char['0', '9'].Array[n]).Select(d => new string(d));

    /// <summary>Luhn-valid numbers of 12 to 19 ASCII digits (placeholders such as "000...0" included).</summary>
    public static readonly Gen<string> LuhnValid = Digits(11, 18).Select(WithCheckDigit);

    /// <summary><paramref name="body"/> with the one check digit that makes it pass Luhn.</summary>
    public static string WithCheckDigit(string body)
    {
        for (var check = '0'; check <= '9'; check++)
            if (ReferenceLuhn(body + check)) return body + check;
        throw new InvalidOperationException("unreachable: one check digit always fits");
    }

    /// <summary>Luhn as the standard states it (ISO/IEC 7812-1 annex B), written independently of the vault's: from
    /// the right, every second digit is doubled (a table of digit sums), and the total must end in 0.</summary>
    public static bool ReferenceLuhn(string digits)
    {
        int[] doubled = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            sum += i % 2 == 1 ? doubled[d] : d;
        }
        return sum % 10 == 0;
    }

    /// <summary>Text from any script: BMP characters that are not surrogates, and whole supplementary characters.</summary>
    public static readonly Gen<string> AnyText = Gen.OneOf(
            Gen.Char.Where(c => !char.IsSurrogate(c)).Select(c => c.ToString()),
            Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32),
            Gen.Char['\0', '\u001f'].Select(c => c.ToString()),
            Gen.OneOf("\"", "\\", "/", "<", ">", "&", "'", "\u2028", "\u2029", "\u00a0", "Ж", "ё", "\ufeff"))
        .Array[0, 40].Select(parts => string.Concat(parts));
}
