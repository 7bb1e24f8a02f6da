using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace PayoutVault.Server.Security;

/// <summary>
/// Revoked client certificates, from the CRL file the client CA publishes (<c>Vault:Grpc:Tls:ClientCrlFile</c>, PEM or
/// DER, one CRL per CA). Every CRL must be signed by one of the configured client CAs and be current (this update not
/// in the future, next update not passed). The file is re-read when it changes, so revoking a caller takes effect at
/// its next connection without a restart. Fail closed: while the file is unreadable, badly signed or stale, every
/// client certificate is refused, because "not known to be revoked" can no longer be said of any.
/// </summary>
public sealed class ClientRevocationList
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    private readonly string _path;
    private readonly IReadOnlyList<BcCertificate> _issuers;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private (DateTime WriteTime, long Length) _stamp;
    private IReadOnlyList<X509Crl> _crls = [];
    private string? _error;
    private string? _reported;

    private ClientRevocationList(string path, IReadOnlyList<BcCertificate> issuers, TimeProvider time)
    {
        _path = path;
        _issuers = issuers;
        _time = time;
    }

    /// <summary>Called when the list stops (a message) or starts again (null) being usable; for logging.</summary>
    public Action<string?>? StateChanged { get; set; }

    /// <summary>Loads and checks the file; a file that is not usable now fails start-up with the reason.</summary>
    public static ClientRevocationList Load(string path, X509Certificate2Collection clientCas, TimeProvider time)
    {
        var parser = new X509CertificateParser();
        var list = new ClientRevocationList(path, clientCas.Select(c => parser.ReadCertificate(c.RawData)).ToList(), time);
        if (list.Refresh(force: true) is { } error)
            throw new InvalidOperationException($"Vault:Grpc:Tls:ClientCrlFile: {error}");
        return list;
    }

    /// <summary>True when the certificate is revoked, or when revocation cannot be checked (fail closed).</summary>
    public bool IsRevokedOrUnknown(X509Certificate2 certificate)
    {
        IReadOnlyList<X509Crl> crls;
        lock (_gate)
        {
            if (Refresh(force: false) is not null) return true;
            crls = _crls;
        }
        var cert = new X509CertificateParser().ReadCertificate(certificate.RawData);
        return crls.Any(crl => crl.IssuerDN.Equivalent(cert.IssuerDN) && crl.IsRevoked(cert));
    }

    /// <summary>Re-reads the file if it changed; returns why the list cannot be relied on now, or null.</summary>
    private string? Refresh(bool force)
    {
        var info = new FileInfo(_path);
        var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        if (!force && stamp == _stamp) return Report(_error ?? Stale(_crls));
        _stamp = stamp;
        try
        {
            var crls = new X509CrlParser().ReadCrls(File.ReadAllBytes(_path)).ToList();
            if (crls.Count == 0) throw new InvalidDataException("the file holds no CRL");
            foreach (var crl in crls) VerifySignature(crl);
            _crls = crls;
            _error = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
                                   or Org.BouncyCastle.Security.GeneralSecurityException or ArgumentException
                                   or InvalidOperationException)
        {
            _error = e is FileNotFoundException ? "the CRL file does not exist" : "the CRL file is not usable: " + e.Message;
        }
        return Report(_error ?? Stale(_crls));
    }

    private void VerifySignature(X509Crl crl)
    {
        foreach (var issuer in _issuers.Where(i => i.SubjectDN.Equivalent(crl.IssuerDN)))
        {
            try
            {
                crl.Verify(issuer.GetPublicKey());
                return;
            }
            catch (Org.BouncyCastle.Security.InvalidKeyException) { }
            catch (Org.BouncyCastle.Security.SignatureException) { }
        }
        throw new InvalidDataException($"the CRL of '{crl.IssuerDN}' is not signed by a configured client CA");
    }

    /// <summary>Why the loaded CRLs cannot be relied on at this moment, or null.</summary>
    private string? Stale(IReadOnlyList<X509Crl> crls)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var crl in crls)
        {
            if (crl.ThisUpdate - ClockSkew > now) return $"the CRL of '{crl.IssuerDN}' is not valid before {crl.ThisUpdate:O}";
            if (crl.NextUpdate is not { } next) return $"the CRL of '{crl.IssuerDN}' has no next update";
            if (next + ClockSkew < now) return $"the CRL of '{crl.IssuerDN}' expired at {next:O}; publish a fresh one";
        }
        return null;
    }

    /// <summary>Tells <see cref="StateChanged"/> when the state changes; returns the problem.</summary>
    private string? Report(string? problem)
    {
        if (problem == _reported) return problem;
        _reported = problem;
        StateChanged?.Invoke(problem);
        return problem;
    }
}
