using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace PayoutVault.Bank131;

/// <summary>PEM key loading shared by the signer and the verifier. BouncyCastle earns its place here only: it
/// understands every PEM flavour the bank's SDK accepts, including the legacy OpenSSL Proc-Type/DEK-Info encryption
/// .NET cannot read. The keys leave as DER for the platform's RSA, which does the signing and verifying.</summary>
internal static class Bank131Pem
{
    /// <summary>
    /// The private key as unencrypted PKCS#8 DER in a pinned buffer the caller wipes (by disposing it). The
    /// parser's own intermediate objects (immutable big integers) cannot be wiped; they become garbage at once.
    /// </summary>
    public static SensitiveBuffer ReadRsaPrivateKeyPkcs8(string pem, string? passphrase)
    {
        var key = ReadRsaPrivateKey(pem, passphrase);
        if (key is not RsaPrivateCrtKeyParameters)
        {
            throw new Bank131KeyException("The RSA private key lacks its CRT parameters (p, q, ...); export it again as PKCS#8.");
        }

        var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        try
        {
            return SensitiveBuffer.CopyOf(der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>The public key as SubjectPublicKeyInfo DER.</summary>
    public static byte[] ReadRsaPublicKeySpki(string pem) =>
        SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(ReadRsaPublicKey(pem)).GetDerEncoded();

    /// <summary>RSA below 2048 bits is not strong cryptography under PCI DSS; the bank's own keys are 2048.</summary>
    public const int MinimumKeyBits = 2048;

    public static RsaKeyParameters ReadRsaPrivateKey(string pem, string? passphrase)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);

        var encrypted = pem.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal)
            || pem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);
        if (encrypted && string.IsNullOrEmpty(passphrase))
        {
            throw new Bank131KeyException("The private key PEM is encrypted, but no passphrase was given.");
        }

        object? parsed;
        try
        {
            using var text = new StringReader(pem);
            var reader = new PemReader(text, passphrase is null ? null : new PassphraseFinder(passphrase));
            parsed = reader.ReadObject();
        }
        catch (Exception ex)
        {
            throw encrypted
                ? new Bank131KeyException(
                    $"Could not decrypt the private key: wrong passphrase or damaged PEM ({ex.GetType().Name}).")
                : new Bank131KeyException($"Could not read the private key PEM ({ex.GetType().Name}).");
        }

        var key = parsed switch
        {
            AsymmetricCipherKeyPair pair => pair.Private, // PKCS#1 "RSA PRIVATE KEY"
            AsymmetricKeyParameter single => single, // PKCS#8, plain or encrypted
            null => throw new Bank131KeyException("No PEM private key block was found."),
            _ => throw new Bank131KeyException($"The PEM holds a {parsed.GetType().Name}, not a private key."),
        };

        if (!key.IsPrivate)
        {
            throw new Bank131KeyException("The PEM holds a public key where a private key is required.");
        }

        if (key is not RsaKeyParameters rsa)
        {
            throw new Bank131KeyException(
                $"The private key is not an RSA key ({KeyKind(key)}); Bank 131 signatures are RSA-SHA256.");
        }

        CheckSize(rsa);
        return rsa;
    }

    public static RsaKeyParameters ReadRsaPublicKey(string pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);

        object? parsed;
        try
        {
            using var text = new StringReader(pem);
            parsed = new PemReader(text).ReadObject();
        }
        catch (Exception ex)
        {
            throw new Bank131KeyException($"Could not read the public key PEM ({ex.GetType().Name}).");
        }

        var key = parsed switch
        {
            AsymmetricKeyParameter single => single, // "PUBLIC KEY" (SubjectPublicKeyInfo) or "RSA PUBLIC KEY"
            X509Certificate certificate => certificate.GetPublicKey(),
            null => throw new Bank131KeyException("No PEM public key block was found."),
            AsymmetricCipherKeyPair => throw new Bank131KeyException(
                "The PEM holds a private key where a public key is expected; pass only the public key."),
            _ => throw new Bank131KeyException($"The PEM holds a {parsed.GetType().Name}, not a public key."),
        };

        if (key.IsPrivate)
        {
            throw new Bank131KeyException(
                "The PEM holds a private key where a public key is expected; pass only the public key.");
        }

        if (key is not RsaKeyParameters rsa)
        {
            throw new Bank131KeyException(
                $"The public key is not an RSA key ({KeyKind(key)}); Bank 131 signatures are RSA-SHA256.");
        }

        CheckSize(rsa);
        return rsa;
    }

    private static void CheckSize(RsaKeyParameters rsa)
    {
        if (rsa.Modulus.BitLength < MinimumKeyBits)
        {
            throw new Bank131KeyException(
                $"The RSA key is {rsa.Modulus.BitLength} bits; at least {MinimumKeyBits} bits are required.");
        }
    }

    private static string KeyKind(AsymmetricKeyParameter key) => key switch
    {
        ECKeyParameters => "EC",
        DsaKeyParameters => "DSA",
        Ed25519PrivateKeyParameters or Ed25519PublicKeyParameters => "Ed25519",
        _ => key.GetType().Name,
    };

    /// <summary>Hands BouncyCastle a fresh copy each time; it may clear the array it receives.</summary>
    private sealed class PassphraseFinder(string passphrase) : IPasswordFinder
    {
        public char[] GetPassword() => passphrase.ToCharArray();
    }
}
