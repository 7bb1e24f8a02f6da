using System.Security.Cryptography;

namespace PayoutVault.Bank131;

/// <summary>
/// Checks an <c>X-PARTNER-SIGN</c> header against the raw body: the vault verifies the bank's webhooks with the
/// bank's public key, and the sandbox verifies the partner's requests with the partner's public key.
/// </summary>
/// <remarks>
/// Verification happens on raw bytes, before any parsing, as the bank's SDK does. The platform's <see cref="RSA"/>
/// does the arithmetic; each call borrows an instance of its own, so concurrent webhooks verify in parallel.
/// </remarks>
public sealed class Bank131SignatureVerifier : IDisposable
{
    private readonly byte[] _spki;
    private readonly RsaInstancePool _pool;

    private Bank131SignatureVerifier(byte[] spki)
    {
        _spki = spki;
        try
        {
            _pool = new RsaInstancePool(Import);
        }
        catch (CryptographicException ex)
        {
            throw new Bank131KeyException($"The platform could not import the RSA public key ({ex.GetType().Name}).");
        }
    }

    /// <summary>Loads an RSA public key: <c>BEGIN PUBLIC KEY</c> (SubjectPublicKeyInfo), <c>BEGIN RSA PUBLIC KEY</c>
    /// (PKCS#1) or a <c>BEGIN CERTIFICATE</c>.</summary>
    /// <exception cref="Bank131KeyException">Not a public RSA key of at least 2048 bits.</exception>
    public static Bank131SignatureVerifier FromPem(string publicKeyPem) =>
        new(Bank131Pem.ReadRsaPublicKeySpki(publicKeyPem));

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

        var rsa = _pool.Rent();
        try
        {
            return rsa.VerifyData(body, signature.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            // A signature of the wrong length or out of range for the modulus; not valid, and not exceptional.
            return false;
        }
        finally
        {
            _pool.Return(rsa);
        }
    }

    public void Dispose() => _pool.Dispose();

    private RSA Import()
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(_spki, out _);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }
}
