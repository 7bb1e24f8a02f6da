using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace PayoutVault.Cli;

/// <summary>
/// Opens a gRPC channel to the vault. With --cert/--key (the caller's client certificate) and --ca (the CA that
/// issued the vault's server certificate) it speaks mutual TLS; an http:// URL is only for a vault started with the
/// development switch.
/// </summary>
public static class VaultChannel
{
    public static GrpcChannel Open(Uri url, string? cert, string? key, string? ca)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (cert is not null && key is not null)
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(cert, key)];
        if (ca is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(ca);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null) return false;
                if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        return GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler });
    }
}
