using System.Text;
using NSec.Cryptography;
using PayoutVault.Server.Errors;
using PayoutVault.Server.Keys;

namespace PayoutVault.Server.Tokens;

/// <summary>
/// Card-number encryption and fingerprints. Ciphertext is AES-256-GCM with associated data naming the token and the
/// data-key version, so a ciphertext copied onto another row, or relabelled with another key version, fails to
/// decrypt. Fingerprints are HMAC-SHA256 under a versioned key of their own.
/// </summary>
public sealed class CardCrypto(KeyRing keys)
{
    public sealed record Sealed(byte[] Ciphertext, int DataKeyVersion);

    public Sealed Encrypt(string token, ReadOnlySpan<byte> pan)
    {
        var version = keys.ActiveVersion(KeyPurpose.Data);
        return new Sealed(Aead.Seal(keys.Get(KeyPurpose.Data, version), pan, AssociatedData(token, version)), version);
    }

    /// <summary>Decrypts into a vault-owned buffer; the caller disposes it, which zeroes it.</summary>
    public PanDigits Decrypt(string token, int dataKeyVersion, ReadOnlySpan<byte> ciphertext)
    {
        if (!keys.TryGet(KeyPurpose.Data, dataKeyVersion, out var key))
            throw new DataLossException($"Token {token} is encrypted under an unknown data key version.");
        var length = Aead.PlaintextLength(ciphertext.Length);
        if (length is < PanValidator.MinLength or > PanValidator.MaxLength)
            throw new DataLossException($"Token {token} failed its integrity check.");
        var pan = PanDigits.Allocate(length);
        if (!Aead.TryOpen(key, ciphertext, AssociatedData(token, dataKeyVersion), pan.Writable))
        {
            pan.Dispose();
            throw new DataLossException($"Token {token} failed its integrity check.");
        }
        return pan;
    }

    public int ActiveFingerprintVersion => keys.ActiveVersion(KeyPurpose.Fingerprint);

    public byte[] Fingerprint(ReadOnlySpan<byte> pan, int version) =>
        MacAlgorithm.HmacSha256.Mac(keys.Get(KeyPurpose.Fingerprint, version), pan);

    /// <summary>Fingerprints under every loaded version: during a fingerprint-key rotation a card may still carry an older one.</summary>
    public IReadOnlyList<byte[]> AllFingerprints(ReadOnlySpan<byte> pan)
    {
        var versions = keys.Versions(KeyPurpose.Fingerprint);
        var result = new byte[versions.Count][];
        for (var i = 0; i < versions.Count; i++) result[i] = Fingerprint(pan, versions[i]);
        return result;
    }

    internal static byte[] AssociatedData(string token, int dataKeyVersion) =>
        Encoding.ASCII.GetBytes($"payoutvault/pan/{token}/{dataKeyVersion}");
}
