using System.Security.Cryptography;
using System.Text;

namespace PayoutVault.Core.Capture;

/// <summary>
/// The one-time URL's secret: 256 bits from the OS CSPRNG, base64url. Only its SHA-256 is stored, so a database
/// reader cannot open a session's page; it is compared in constant time.
/// </summary>
public static class CaptureSecret
{
    public const int Length = 43; // 32 bytes, base64url without padding

    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    public static bool Matches(string? presented, byte[] storedHash)
    {
        if (presented is not { Length: Length } || presented.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            return false;
        return CryptographicOperations.FixedTimeEquals(Hash(presented), storedHash);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
