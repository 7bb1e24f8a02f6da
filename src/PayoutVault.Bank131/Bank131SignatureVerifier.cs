using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace PayoutVault.Bank131;

/// <summary>
/// Checks an <c>X-PARTNER-SIGN</c> header against the raw body: the vault verifies the bank's webhooks with the
/// bank's public key, and the sandbox verifies the partner's requests with the partner's public key.
/// </summary>
/// <remarks>Verification happens on raw bytes, before any parsing, as the bank's SDK does.</remarks>
public sealed class Bank131SignatureVerifier
{
    private readonly RsaKeyParameters _key;

    private Bank131SignatureVerifier(RsaKeyParameters key) => _key = key;

    /// <summary>Loads an RSA public key: <c>BEGIN PUBLIC KEY</c> (SubjectPublicKeyInfo), <c>BEGIN RSA PUBLIC KEY</c>
    /// (PKCS#1) or a <c>BEGIN CERTIFICATE</c>.</summary>
    /// <exception cref="Bank131KeyException">Not a public RSA key of at least 2048 bits.</exception>
    public static Bank131SignatureVerifier FromPem(string publicKeyPem) =>
        new(Bank131Pem.ReadRsaPublicKey(publicKeyPem));

    public static Bank131SignatureVerifier FromPemFile(string path) => FromPem(File.ReadAllText(path));

    /// <summary>
    /// True only for a well-formed Base64 RSA-SHA256 signature of exactly <paramref name="body"/>. Never throws:
    /// a missing, empty, malformed or wrong signature is simply false.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> body, string? signatureBase64)
    {
        if (string.IsNullOrWhiteSpace(signatureBase64) || signatureBase64.Length > 4096)
        {
            return false;
        }

        var signature = new byte[signatureBase64.Length];
        if (!Convert.TryFromBase64String(signatureBase64.Trim(), signature, out var length) || length == 0)
        {
            return false;
        }

        try
        {
            var verifier = SignerUtilities.GetSigner(Bank131Signer.Algorithm);
            verifier.Init(false, _key);
            verifier.BlockUpdate(body);
            return verifier.VerifySignature(signature.AsSpan(0, length).ToArray());
        }
        catch (Exception)
        {
            // A signature of the wrong length or out of range for the modulus; not valid, and not exceptional.
            return false;
        }
    }
}
