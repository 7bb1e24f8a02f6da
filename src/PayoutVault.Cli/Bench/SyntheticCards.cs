using System.Security.Cryptography;

namespace PayoutVault.Cli.Bench;

internal static class SyntheticCards
{
    /// <summary>
    /// A Luhn-valid 16-digit number with major industry identifier 9 (national use, never a payment card), so the
    /// benchmark never generates a number that could belong to a real card.
    /// </summary>
    public static byte[] Pan()
    {
        var digits = new byte[16];
        digits[0] = (byte)'9';
        digits[1] = (byte)'9';
        for (var i = 2; i < 15; i++) digits[i] = (byte)('0' + RandomNumberGenerator.GetInt32(10));
        for (var check = 0; check < 10; check++)
        {
            digits[15] = (byte)('0' + check);
            if (Core.Tokens.PanValidator.PassesLuhn(digits)) break;
        }
        return digits;
    }
}
