using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace PayoutVault.Server.Security;

/// <summary>
/// mTLS trust: a client certificate is accepted only when it chains to the configured CA (and nothing else: the OS
/// trust store plays no part), is within its validity period and, when it states key usages, allows client
/// authentication, and, when a CRL is configured, is not revoked. Anything else fails the TLS handshake.
/// </summary>
public sealed class ClientCertificateValidator(X509Certificate2Collection trustedRoots, ClientRevocationList? revocations = null)
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2Collection LoadCas(string caFile)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        if (roots.Count == 0) throw new InvalidOperationException($"No certificate found in {caFile}.");
        return roots;
    }

    public bool Validate(X509Certificate2 certificate, X509Chain? _, SslPolicyErrors __)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        // Revocation comes from the CRL file the operator publishes (checked below), never from CRL/OCSP endpoints named
        // in certificates: the CDE has no route to them.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!chain.Build(certificate)) return false;
        foreach (var extension in certificate.Extensions)
            if (extension is X509EnhancedKeyUsageExtension eku && eku.EnhancedKeyUsages.Count > 0
                && eku.EnhancedKeyUsages[ClientAuthOid] is null)
                return false;
        return revocations?.IsRevokedOrUnknown(certificate) != true;
    }
}
