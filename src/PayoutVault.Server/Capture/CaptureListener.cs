using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PayoutVault.Core.Capture;

namespace PayoutVault.Server.Capture;

/// <summary>
/// The capture page's own HTTPS listener: browsers on the public internet reach it, so it shares nothing with the
/// mutual-TLS gRPC listener but the process. Connections accepted on it are marked, and a gate lets them reach the
/// capture routes only (never gRPC or webhooks), while the other listeners never reach the capture routes.
/// </summary>
public static class CaptureListener
{
    private const string Marker = "payoutvault.capture-listener";
    public const string PathPrefix = "/capture/";

    public static void Listen(KestrelServerOptions kestrel, CaptureOptions capture)
    {
        if (!capture.Enabled || capture.Problems().Any()) return; // problems stop the start in validation
        var address = IPAddress.TryParse(capture.BindAddress, out var ip) ? ip : IPAddress.Loopback;
        kestrel.Listen(address, capture.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.Use(next => connection =>
            {
                connection.Items[Marker] = true;
                return next(connection);
            });
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = X509Certificate2.CreateFromPemFile(capture.CertificateFile, capture.KeyFile),
                SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.NoCertificate,
                HandshakeTimeout = TimeSpan.FromSeconds(10),
            });
        });
    }

    public static bool IsCaptureConnection(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Marker) == true;

    /// <summary>Capture routes on the capture listener only, and nothing else there.</summary>
    public static WebApplication UseCaptureListenerGate(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var capturePath = http.Request.Path.StartsWithSegments(PathPrefix.TrimEnd('/'), StringComparison.Ordinal);
            if (IsCaptureConnection(http) != capturePath)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                CapturePage.ApplyHeaders(http.Response, nonce: null, frameAncestors: null);
                return;
            }
            await next(http);
        });
        return app;
    }
}
