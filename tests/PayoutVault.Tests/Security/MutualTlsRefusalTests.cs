using PayoutVault.Server.Configuration;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PayoutVault.Server.Hosting;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

namespace PayoutVault.Tests.Security;

/// <summary>
/// The gRPC listener never comes up without TLS because a certificate path was wrong: configuring mutual TLS with a
/// missing certificate file throws instead of leaving the endpoint in clear text, even for a caller that skipped the
/// options validation that normally reports it first.
/// </summary>
public sealed class MutualTlsRefusalTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("/nonexistent/payoutvault/server.pem")]
    public void MissingCertificateFile_RefusesTheListener(string certificateFile)
    {
        var kestrel = new KestrelServerOptions();
        var tls = new GrpcTlsOptions { CertificateFile = certificateFile, KeyFile = "key.pem", ClientCaFile = "ca.pem" };

        var error = Assert.Throws<InvalidOperationException>(
            () => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseMutualTls(tls)));

        Assert.Contains("CertificateFile", error.Message);
    }
}
