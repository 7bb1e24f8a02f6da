using System.Security.Cryptography;

namespace PayoutVault.Bank131;

/// <summary>
/// Makes <c>X-PARTNER-SIGN</c>: RSASSA-PKCS1-v1_5 with SHA-256 over the exact body bytes, standard Base64 with
/// padding (what the bank's SDK does with <c>openssl_sign(..., OPENSSL_ALGO_SHA256)</c> and <c>base64_encode</c>).
/// </summary>
/// <remarks>
/// <para>Signs with the platform's <see cref="RSA"/> (OpenSSL on Linux), over ten times faster than a managed
/// implementation; PEM parsing stays in <see cref="Bank131Pem"/>.</para>
/// <para>Thread-safe: each call borrows an <see cref="RSA"/> instance of its own from a small pool. The key is kept
/// as PKCS#8 DER in a pinned <see cref="SensitiveBuffer"/> so that a burst can import more instances;
/// <see cref="Dispose"/> wipes it and frees every instance.</para>
/// </remarks>
public sealed class Bank131Signer : IDisposable
{
    /// <summary>An RSA-2048 signature is 256 bytes; room for keys up to 4096 bits on the stack.</summary>
    private const int MaxSignatureBytes = 512;

    private readonly SensitiveBuffer _pkcs8;
    private readonly RsaInstancePool _pool;

    private Bank131Signer(SensitiveBuffer pkcs8)
    {
        _pkcs8 = pkcs8;
        try
        {
            _pool = new RsaInstancePool(Import);
            var rsa = _pool.Rent();
            KeySizeBits = rsa.KeySize;
            _pool.Return(rsa);
        }
        catch (CryptographicException ex)
        {
            _pkcs8.Dispose();
            throw new Bank131KeyException($"The platform could not import the RSA private key ({ex.GetType().Name}).");
        }
    }

    /// <summary>RSA modulus size in bits.</summary>
    public int KeySizeBits { get; }

    /// <summary>
    /// Loads an RSA private key from PEM: PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>, also the legacy OpenSSL encrypted
    /// form with Proc-Type/DEK-Info), PKCS#8 (<c>BEGIN PRIVATE KEY</c>) or encrypted PKCS#8
    /// (<c>BEGIN ENCRYPTED PRIVATE KEY</c>).
    /// </summary>
    /// <exception cref="Bank131KeyException">Wrong or missing passphrase, not RSA, not a private key, under 2048 bits.</exception>
    public static Bank131Signer FromPem(string pem, string? passphrase = null) =>
        new(Bank131Pem.ReadRsaPrivateKeyPkcs8(pem, passphrase));

    /// <summary><see cref="FromPem"/> on the contents of a file.</summary>
    public static Bank131Signer FromPemFile(string path, string? passphrase = null) =>
        FromPem(File.ReadAllText(path), passphrase);

    /// <summary>Signs the exact bytes that will be sent.</summary>
    public string Sign(ReadOnlySpan<byte> body)
    {
        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        var rsa = _pool.Rent();
        try
        {
            if (!rsa.TrySignData(body, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, out var written))
            {
                throw new CryptographicException("The signature does not fit the buffer.");
            }

            return Convert.ToBase64String(signature[..written]);
        }
        finally
        {
            _pool.Return(rsa);
        }
    }

    public void Dispose()
    {
        _pool?.Dispose();
        _pkcs8.Dispose();
    }

    private RSA Import()
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(_pkcs8.Span, out _);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }
}
