using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PayoutVault.Server.Hosting;

namespace PayoutVault.Server.Security;

public static class MutualTls
{
    /// <summary>
    /// TLS 1.2/1.3 with the configured server certificate. A client certificate is requested but not required at the
    /// TLS layer, so a call without one reaches the authorizer and gets UNAUTHENTICATED (with an audit record); a
    /// certificate that does not chain to the configured CA, or is expired, fails the handshake.
    /// </summary>
    public static void UseMutualTls(this ListenOptions listen, GrpcTlsOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.CertificateFile) || !File.Exists(tls.CertificateFile)) return; // reported by validation
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
