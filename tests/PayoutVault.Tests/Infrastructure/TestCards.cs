namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// The only card numbers the tests use: public test numbers of the card schemes. Invalid variants are derived from
/// them at run time so no other card-like number is ever written into the repository.
/// </summary>
public static class TestCards
{
    public const string Visa = "4242424242424242";
    public const string Visa2 = "4111111111111111";
    public const string Mastercard = "5555555555554444";
    public const string Mir = "2200000000000004";
    public const string VisaDebit = "4000056655665556";
    public const string Amex = "378282246310005";
    public const string Discover = "6011111111111117";

    public static readonly IReadOnlyList<string> All = [Visa, Visa2, Mastercard, Mir, VisaDebit, Amex, Discover];

    /// <summary>Visa with its check digit changed, so it fails Luhn.</summary>
    public static string LuhnInvalid => Visa[..^1] + (Visa[^1] == '1' ? '2' : '1');

    public static byte[] Ascii(string digits) => System.Text.Encoding.ASCII.GetBytes(digits);
}
