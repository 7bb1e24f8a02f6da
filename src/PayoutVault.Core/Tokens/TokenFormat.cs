using System.Security.Cryptography;

namespace PayoutVault.Core.Tokens;

/// <summary>
/// Tokens are "tok_" + 26 RFC 4648 base32 characters (lowercase) of 128 bits from the OS CSPRNG. The card number is
/// never an input, so no token can be reversed to it, and the letters keep any token from passing for a card number.
/// </summary>
public static class TokenFormat
{
    public const string Prefix = "tok_";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string NewToken() => Prefix + RandomBase32(26);

    public static bool IsValid(string? token) => IsValidId(token, Prefix);

    /// <summary>
    /// <paramref name="prefix"/> (4 characters) + 26 base32 characters, holding no card number. The base32 digits
    /// 2-7 are enough to write "4242424242424242", so a caller could send an id-shaped value carrying a card number;
    /// ids are quoted in answers (NOT_FOUND) and kept in audit records, so such a value is refused as malformed.
    /// </summary>
    public static bool IsValidId(string? id, string prefix) =>
        id is { Length: 30 } && id.StartsWith(prefix, StringComparison.Ordinal) && id.AsSpan(4).IndexOfAnyExcept(Alphabet) < 0
        && !Bank131.CardNumberDetector.ContainsCardNumber(id);

    /// <summary>
    /// n base32 characters of 5 random bits each; 26 characters carry 130 bits, the top 2 fixed to zero. Drawn again
    /// in the (about one in a billion) case that the digits 2-7 happen to form something card-like, so every id the
    /// vault makes passes <see cref="IsValidId"/>.
    /// </summary>
    public static string RandomBase32(int length)
    {
        while (true)
        {
            var id = RandomBase32Once(length);
            if (!Bank131.CardNumberDetector.ContainsCardNumber(id)) return id;
        }
    }

    private static string RandomBase32Once(int length)
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
