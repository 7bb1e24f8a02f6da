using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A throwaway certificate authority built with CertificateRequest (ECDSA P-256): issues server and client
/// certificates for mutual-TLS tests, with whatever names, validity and key usages a test needs.
/// </summary>
public sealed class CertAuthority : IDisposable
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private CertAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static CertAuthority Create(string commonName = "PayoutVault Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-400), now.AddYears(2));
        return new CertAuthority(Reload(created));
    }

    /// <summary>The vault's server certificate: SAN IP 127.0.0.1 and DNS localhost, EKU serverAuth.</summary>
    public X509Certificate2 IssueServer(string commonName = "localhost") =>
        Issue(commonName, ["localhost"], [IPAddress.Loopback], [ServerAuthOid]);

    /// <summary>A client certificate: CN and DNS SANs as given (either may be empty), EKU clientAuth unless overridden.</summary>
    public X509Certificate2 IssueClient(string? commonName, IReadOnlyList<string>? dnsNames = null,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, IReadOnlyList<string>? ekus = null) =>
        Issue(commonName, dnsNames ?? (commonName is null ? [] : [commonName]), [], ekus ?? [ClientAuthOid], notBefore, notAfter);

    /// <summary>
    /// A client certificate (EKU clientAuth) that names <paramref name="url"/> everywhere a certificate can point a
    /// verifier at the network: AIA caIssuers (where to fetch a missing issuer), AIA OCSP, and a CRL distribution
    /// point. A verifier that follows any of them connects to that URL.
    /// </summary>
    public X509Certificate2 IssueClientPointingAt(string commonName, Uri url) =>
        Issue(commonName, [commonName], [], [ClientAuthOid], networkPointers: url);

    public X509Certificate2 Issue(string? commonName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> ips,
        IReadOnlyList<string> ekus, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null,
        Uri? networkPointers = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest(commonName, dnsNames, ips, ekus, key);
        if (networkPointers is not null)
        {
            var url = networkPointers.AbsoluteUri;
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(
                ocspUris: [url + "ocsp"], caIssuersUris: [url + "ca.crt"]));
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([url + "ca.crl"]));
        }
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Certificate, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(30), Serial());
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    /// <summary>
    /// A certificate signed with another certificate's key (a leaf acting as a CA, which it is not allowed to be):
    /// the issuer is named by DN and signed through a raw signature generator, so no basic-constraints check stops it.
    /// </summary>
    public static X509Certificate2 IssueUnderLeaf(X509Certificate2 leafIssuer, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest(name, [name], [], [ClientAuthOid], key);
        using var issuerKey = leafIssuer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("issuer has no ECDSA key");
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(leafIssuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            now.AddHours(-1), now.AddDays(30), Serial());
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    /// <summary>Writes the certificate (and its private key, PKCS#8) as PEM files; returns (certFile, keyFile).</summary>
    public static (string CertificateFile, string KeyFile) WritePem(X509Certificate2 certificate, string folder, string name)
    {
        var certFile = Path.Combine(folder, name + ".crt.pem");
        var keyFile = Path.Combine(folder, name + ".key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey();
        if (key is not null)
        {
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return (certFile, keyFile);
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="root"/> alone (the OS store plays no part).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static CertificateRequest LeafRequest(string? commonName, IReadOnlyList<string> dnsNames,
        IReadOnlyList<IPAddress> ips, IReadOnlyList<string> ekus, ECDsa key)
    {
        var subject = new X500DistinguishedName(commonName is null ? "" : "CN=" + commonName);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (ekus.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var eku in ekus) oids.Add(new Oid(eku));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        if (dnsNames.Count > 0 || ips.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in dnsNames) san.AddDnsName(dns);
            foreach (var ip in ips) san.AddIpAddress(ip);
            request.CertificateExtensions.Add(san.Build());
        }
        return request;
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        return serial;
    }

    /// <summary>
    /// A CRL signed by this CA (DER) listing <paramref name="revoked"/>; current for a day unless the test says
    /// otherwise. Built with .NET's CertificateRevocationListBuilder; the vault reads it with BouncyCastle.
    /// </summary>
    public byte[] RevocationList(IEnumerable<X509Certificate2> revoked, DateTimeOffset? thisUpdate = null,
        DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        var now = DateTimeOffset.UtcNow;
        foreach (var cert in revoked) builder.AddEntry(cert, now.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        return builder.Build(Certificate, new System.Numerics.BigInteger(Interlocked.Increment(ref _crlNumber)),
            nextUpdate ?? now.AddDays(1), HashAlgorithmName.SHA256, thisUpdate: thisUpdate ?? now.AddMinutes(-10));
    }

    private long _crlNumber;

    /// <summary>Round-trips through PKCS#12 so the private key is usable by the TLS stack on every platform.</summary>
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);

    public void Dispose() => Certificate.Dispose();
}
