using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PayoutVault.Server.Configuration;

namespace PayoutVault.Server.Security;

public static class MutualTls
{
    /// <summary>
    /// How long a client may take to complete the TLS handshake. Legitimate callers finish in milliseconds; a peer that
    /// stalls mid-handshake is dropped after this instead of holding a connection slot.
    /// </summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// TLS 1.2/1.3 with the configured server certificate. A client certificate is requested but not required at the
    /// TLS layer, so a call without one reaches the authorizer and gets UNAUTHENTICATED (with an audit record); a
    /// certificate that does not chain to the configured CA, is expired or lacks the clientAuth usage fails the
    /// handshake with a TLS alert. No step of the handshake reaches the network (see ClientCertificateValidator).
    /// </summary>
    public static void UseMutualTls(this ListenOptions listen, GrpcTlsOptions tls)
    {
        // Options validation reports a missing file first with every other problem; this refusal stays for any
        // caller that skips validation, so a listener can never come up without TLS because a path was wrong.
        if (string.IsNullOrWhiteSpace(tls.CertificateFile) || !File.Exists(tls.CertificateFile))
            throw new InvalidOperationException(
                $"Vault:Grpc:Tls:CertificateFile '{tls.CertificateFile}' does not exist: the gRPC listener will not start without TLS.");
        var certificate = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
        var cas = ClientCertificateValidator.LoadCas(tls.ClientCaFile);
        var validator = new ClientCertificateValidator(cas, LoadRevocations(listen, tls, cas));
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = validator.Validate,
            CheckCertificateRevocation = false, // the CRL file above, not endpoints named in certificates
            HandshakeTimeout = HandshakeTimeout,
            // The TLS stack builds the client's chain itself before calling the validator; without this policy that
            // build would use the defaults, which fetch missing issuers from the URL in the caller's certificate.
            OnAuthenticate = (_, ssl) => ssl.CertificateChainPolicy = validator.ChainPolicy(),
        });
    }

    private static ClientRevocationList? LoadRevocations(ListenOptions listen, GrpcTlsOptions tls, X509Certificate2Collection cas)
    {
        if (string.IsNullOrWhiteSpace(tls.ClientCrlFile)) return null;
        var services = listen.ApplicationServices;
        var list = ClientRevocationList.Load(tls.ClientCrlFile, cas, services.GetService<TimeProvider>() ?? TimeProvider.System);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientRevocationList));
        list.StateChanged = problem =>
        {
            if (problem is null) SecurityLog.RevocationListUsable(logger);
            else SecurityLog.RevocationListUnusable(logger, problem);
        };
        return list;
    }
}
