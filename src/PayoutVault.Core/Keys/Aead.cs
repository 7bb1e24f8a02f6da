using System.Security.Cryptography;
using NSec.Cryptography;

namespace PayoutVault.Core.Keys;

/// <summary>
/// AES-256-GCM with a fresh random 96-bit nonce per message, stored as nonce || ciphertext || tag. Random nonces are
/// safe for at most 2^32 messages per key; DataKeyBudget counts every encryption under a data key and stops it there.
/// </summary>
internal static class Aead
{
    private static readonly AeadAlgorithm Algorithm = AeadAlgorithm.Aes256Gcm;
    public static int NonceSize => Algorithm.NonceSize;
    public static int Overhead => Algorithm.NonceSize + Algorithm.TagSize;

    public static byte[] Seal(Key key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[Overhead + plaintext.Length];
        var nonce = output.AsSpan(0, Algorithm.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Algorithm.Encrypt(key, nonce, associatedData, plaintext, output.AsSpan(Algorithm.NonceSize));
        return output;
    }

    /// <summary>Decrypts into a new array, or returns null when the tag does not verify.</summary>
    public static byte[]? Open(Key key, ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData)
    {
        if (sealedData.Length < Overhead) return null;
        var plaintext = new byte[sealedData.Length - Overhead];
        return TryOpen(key, sealedData, associatedData, plaintext) ? plaintext : null;
    }

    /// <summary>Decrypts into a caller-owned buffer of exactly PlaintextLength bytes.</summary>
    public static bool TryOpen(Key key, ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (sealedData.Length < Overhead || plaintext.Length != sealedData.Length - Overhead) return false;
        var nonce = sealedData[..Algorithm.NonceSize];
        return Algorithm.Decrypt(key, nonce, associatedData, sealedData[Algorithm.NonceSize..], plaintext);
    }

    public static int PlaintextLength(int sealedLength) => sealedLength - Overhead;
}
