using System.Security.Cryptography;

namespace PayoutVault.Server.Tokens;

/// <summary>
/// Tokens are "tok_" + 26 RFC 4648 base32 characters (lowercase) of 128 bits from the OS CSPRNG. The card number is
/// never an input, so no token can be reversed to it, and the letters keep any token from passing for a card number.
/// </summary>
public static class TokenFormat
{
    public const string Prefix = "tok_";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string NewToken() => Prefix + RandomBase32(26);

    public static bool IsValid(string? token) =>
        token is { Length: 30 } && token.StartsWith(Prefix, StringComparison.Ordinal) && token.AsSpan(4).IndexOfAnyExcept(Alphabet) < 0;

    /// <summary>n base32 characters of 5 random bits each; 26 characters carry 130 bits, the top 2 fixed to zero.</summary>
    public static string RandomBase32(int length)
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true);
        var chars = new char[length];
        for (var i = length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
