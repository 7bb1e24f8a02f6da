using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace PayoutVault.Bank131;

/// <summary>
/// Makes <c>X-PARTNER-SIGN</c>: RSASSA-PKCS1-v1_5 with SHA-256 over the exact body bytes, standard Base64 with
/// padding (what the bank's SDK does with <c>openssl_sign(..., OPENSSL_ALGO_SHA256)</c> and <c>base64_encode</c>).
/// </summary>
/// <remarks>Thread-safe: each call creates its own BouncyCastle signer; the key parameters are immutable.</remarks>
public sealed class Bank131Signer
{
    internal const string Algorithm = "SHA256withRSA";

    private readonly RsaKeyParameters _key;

    private Bank131Signer(RsaKeyParameters key) => _key = key;

    /// <summary>RSA modulus size in bits.</summary>
    public int KeySizeBits => _key.Modulus.BitLength;

    /// <summary>
    /// Loads an RSA private key from PEM: PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>, also the legacy OpenSSL encrypted
    /// form with Proc-Type/DEK-Info), PKCS#8 (<c>BEGIN PRIVATE KEY</c>) or encrypted PKCS#8
    /// (<c>BEGIN ENCRYPTED PRIVATE KEY</c>).
    /// </summary>
    /// <exception cref="Bank131KeyException">Wrong or missing passphrase, not RSA, not a private key, under 2048 bits.</exception>
    public static Bank131Signer FromPem(string pem, string? passphrase = null) =>
        new(Bank131Pem.ReadRsaPrivateKey(pem, passphrase));

    /// <summary><see cref="FromPem"/> on the contents of a file.</summary>
    public static Bank131Signer FromPemFile(string path, string? passphrase = null) =>
        FromPem(File.ReadAllText(path), passphrase);

    /// <summary>Signs the exact bytes that will be sent.</summary>
    public string Sign(ReadOnlySpan<byte> body)
    {
        var signer = SignerUtilities.GetSigner(Algorithm);
        signer.Init(true, _key);
        signer.BlockUpdate(body);
        return Convert.ToBase64String(signer.GenerateSignature());
    }
}
