using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace PayoutVault.Server.Security;

/// <summary>
/// mTLS trust: a client certificate is accepted only when it chains to the configured CA (and nothing else: the OS
/// trust store plays no part), is within its validity period, names client authentication in its extended key usage
/// and, when a CRL is configured, is not revoked. Anything else fails the TLS handshake.
/// </summary>
/// <remarks>
/// Deciding never touches the network. Certificates can name URLs (AIA caIssuers, OCSP, CRL distribution points), and
/// a default chain build fetches them, before the caller is authenticated, from wherever the caller's certificate
/// points, each fetch holding the handshake until it times out. Here the chain is built from the configured CAs alone
/// and revocation comes only from the operator's CRL file (<see cref="ClientRevocationList"/>).
/// </remarks>
public sealed class ClientCertificateValidator(X509Certificate2Collection trustedRoots, ClientRevocationList? revocations = null)
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2Collection LoadCas(string caFile)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        if (roots.Count == 0) throw new InvalidOperationException($"No certificate found in {caFile}.");
        return roots;
    }

    /// <summary>
    /// The chain policy for every client certificate chain the vault builds, including the TLS stack's own build
    /// before <see cref="Validate"/> runs: configured roots only, no downloads, no online revocation.
    /// </summary>
    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            DisableCertificateDownloads = true,
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationFlags = X509VerificationFlags.NoFlag,
        };
        policy.CustomTrustStore.AddRange(trustedRoots);
        return policy;
    }

    public bool Validate(X509Certificate2 certificate, X509Chain? _, SslPolicyErrors __)
    {
        if (!AllowsClientAuthentication(certificate)) return false;
        using var chain = new X509Chain { ChainPolicy = ChainPolicy() };
        if (!chain.Build(certificate)) return false;
        return revocations?.IsRevokedOrUnknown(certificate) != true;
    }

    /// <summary>
    /// The certificate must say it is for client authentication: an extended key usage extension that lists
    /// clientAuth. A certificate without one could be a server's or a code signer's from the same CA.
    /// </summary>
    public static bool AllowsClientAuthentication(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
            if (extension is X509EnhancedKeyUsageExtension eku && eku.EnhancedKeyUsages[ClientAuthOid] is not null)
                return true;
        return false;
    }
}
