using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// A vault with the hosted capture page on: its own HTTPS listener on 127.0.0.1 with a certificate from a test CA
/// (for 127.0.0.1 and localhost), gRPC in development mode (caller "anonymous" holding every permission). Gives a
/// gRPC client for capture sessions and an HTTP client to the page that trusts the test CA only.
/// </summary>
public sealed class CaptureVault : IAsyncDisposable
{
    private CaptureVault(TempDirectory folder, CertAuthority ca, X509Certificate2 serverCertificate, string certFile, string keyFile,
        VaultServer vault, int port)
    {
        Folder = folder;
        Ca = ca;
        ServerCertificate = serverCertificate;
        CertificateFile = certFile;
        KeyFile = keyFile;
        Vault = vault;
        Origin = "https://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        Http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TrustsOnlyTheTestCa },
            AllowAutoRedirect = false,
        }) { BaseAddress = new Uri(Origin), Timeout = TimeSpan.FromSeconds(30) };
    }

    public TempDirectory Folder { get; }
    public CertAuthority Ca { get; }

    /// <summary>The certificate both the capture listener and a test's parent-page server present.</summary>
    public X509Certificate2 ServerCertificate { get; }
    public string CertificateFile { get; }
    public string KeyFile { get; }
    public VaultServer Vault { get; }

    /// <summary>https://127.0.0.1:port of the capture listener.</summary>
    public string Origin { get; }

    public HttpClient Http { get; }

    public CaptureService.CaptureServiceClient Sessions => new(Vault.Channel);

    public string ConnectionString => Vault.ConnectionString;

    public static async Task<CaptureVault> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var folder = new TempDirectory("pv-capture-");
        var ca = CertAuthority.Create();
        var certificate = ca.IssueServer();
        try
        {
            var (certFile, keyFile) = CertAuthority.WritePem(certificate, folder.Path, "capture");
            var port = TestPorts.Free();
            var all = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Vault:Capture:CertificateFile"] = certFile,
                ["Vault:Capture:KeyFile"] = keyFile,
                ["Vault:Capture:Port"] = port.ToString(CultureInfo.InvariantCulture),
                ["Vault:Capture:PublicUrl"] = "https://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (k, v) in settings ?? new Dictionary<string, string>()) all[k] = v;
            var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = all });
            return new CaptureVault(folder, ca, certificate, certFile, keyFile, vault, port);
        }
        catch
        {
            certificate.Dispose();
            ca.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>A new session for <paramref name="origins"/>; the response holds the one-time URL.</summary>
    public async Task<CreateCaptureSessionResponse> CreateSessionAsync(params string[] origins) =>
        await Sessions.CreateCaptureSessionAsync(new CreateCaptureSessionRequest { AllowedOrigins = { origins }, Reference = "order-1" });

    /// <summary>The secret of a one-time URL (its fragment).</summary>
    public static string SecretOf(string url) => url[(url.IndexOf('#', StringComparison.Ordinal) + 1)..];

    /// <summary>POSTs a submission as the page's own script does (same-origin Origin header, JSON).</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string sessionId, string secret, string number, int month, int year,
        string name = "Test Person", string? origin = null)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new { secret, number, exp_month = month, exp_year = year, name });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/capture/{sessionId}/submit")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", origin ?? Origin);
        return await Http.SendAsync(request);
    }

    private bool TrustsOnlyTheTestCa(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        using var leaf = new X509Certificate2(certificate);
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.Add(Ca.Certificate);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return verify.Build(leaf) && (errors & ~(SslPolicyErrors.RemoteCertificateChainErrors)) == SslPolicyErrors.None;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Vault.DisposeAsync();
        ServerCertificate.Dispose();
        Ca.Dispose();
        Folder.Dispose();
    }
}
