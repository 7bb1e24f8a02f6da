using Microsoft.Extensions.Options;
using PayoutVault.Bank131;
using PayoutVault.Core.Errors;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// The configured Bank 131 client, built on first use. A vault without bank settings still tokenizes; payout calls
/// then fail with FAILED_PRECONDITION instead of at start-up.
/// </summary>
public sealed class Bank131Gateway(IOptions<Bank131Settings> settings) : IDisposable
{
    private readonly Lazy<(Bank131Client Client, HttpClient Http, Bank131Signer Signer)> _client = new(() => Create(settings.Value));

    public bool Enabled => settings.Value.Enabled;

    public Bank131Client Client
    {
        get
        {
            EnsureEnabled();
            return _client.Value.Client;
        }
    }

    /// <summary>Throws FAILED_PRECONDITION when no bank is configured.</summary>
    public void EnsureEnabled()
    {
        if (!Enabled)
            throw new FailedPreconditionException("Payouts are not configured on this vault (Vault:Bank131:BaseUrl is empty).");
    }

    private static (Bank131Client, HttpClient, Bank131Signer) Create(Bank131Settings s)
    {
        var signer = Bank131Signer.FromPemFile(s.PrivateKeyFile, s.PrivateKeyPassphrase);
        var handler = new SocketsHttpHandler
        {
            // PCI DSS 4.2.1: strong TLS only, with the platform's default certificate validation (never overridden:
            // no validation callback anywhere), and the chain's revocation status checked.
            SslOptions =
            {
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                CertificateRevocationCheckMode = s.RevocationCheck,
            },
            // A warm pool sized for the concurrency: HTTP/1.1 (the request default) keep-alive connections (no
            // Connection: close is ever sent), reused across payouts so a payout does not pay a TCP and TLS
            // handshake; recycled every few minutes so DNS changes are seen.
            MaxConnectionsPerServer = s.MaxConnections,
            PooledConnectionIdleTimeout = Bank131Settings.ConnectionIdleTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var options = new Bank131Options { BaseUrl = s.BaseUrl, ProjectId = s.ProjectId, Timeout = s.Timeout };
        return (new Bank131Client(http, options, signer), http, signer);
    }

    public void Dispose()
    {
        if (!_client.IsValueCreated) return;
        _client.Value.Http.Dispose();
        // Frees the platform key objects and wipes the private key kept for importing more of them.
        _client.Value.Signer.Dispose();
    }
}
