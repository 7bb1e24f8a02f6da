using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// The merchant's side in a browser test: a second Kestrel, HTTPS on its own port (both loopback addresses), that
/// serves the pages a test registers. Reached as https://localhost:port it is the allowed parent origin; as
/// https://127.0.0.1:port it is a different origin with the same pages, the "foreign" parent.
/// </summary>
public sealed class ParentPageServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _pages = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    private ParentPageServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public string AllowedOrigin => "https://localhost:" + Port.ToString(CultureInfo.InvariantCulture);

    public string ForeignOrigin => "https://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<ParentPageServer> StartAsync(X509Certificate2 certificate)
    {
        var port = Infrastructure.TestPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var server = new ParentPageServer(app, port);
        app.MapGet("/{page}", (string page) => server._pages.TryGetValue(page, out var html)
            ? Results.Content(html, "text/html; charset=utf-8")
            : Results.NotFound());
        await app.StartAsync();
        return server;
    }

    /// <summary>Registers a checkout page at /{name} that embeds <paramref name="captureUrl"/> and records every
    /// message from <paramref name="captureOrigin"/> in window.received.</summary>
    public void AddCheckout(string name, string captureUrl, string captureOrigin)
    {
        var e = System.Text.Encodings.Web.HtmlEncoder.Default;
        var js = System.Text.Encodings.Web.JavaScriptEncoder.Default;
        _pages[name] = $$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Checkout</title></head>
            <body>
            <h1>Checkout</h1>
            <iframe id="capture" src="{{e.Encode(captureUrl)}}" title="Card details" style="width:100%;height:600px;border:0"></iframe>
            <script>
            window.received = [];
            window.addEventListener('message', function (event) {
              if (event.origin !== '{{js.Encode(captureOrigin)}}') return;
              window.received.push({ origin: event.origin, data: event.data });
              console.log('parent received ' + JSON.stringify(event.data));
            });
            </script>
            </body>
            </html>
            """;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
