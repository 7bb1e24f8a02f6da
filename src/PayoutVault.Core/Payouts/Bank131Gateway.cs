using Microsoft.Extensions.Options;
using PayoutVault.Bank131;
using PayoutVault.Core.Errors;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// The configured Bank 131 client, built once at start: the signing key is loaded in the constructor, so a bad key
/// refuses start (never a cached failure that fails every payout until a restart). A vault without bank settings
/// still tokenizes; payout calls then fail with FAILED_PRECONDITION.
/// </summary>
public sealed class Bank131Gateway : IDisposable
{
    private readonly Bank131Client? _client;
    private readonly Bank131Signer? _signer;

    public Bank131Gateway(IOptions<Bank131Settings> settings, IHttpClientFactory httpClients)
    {
        var s = settings.Value;
        Enabled = s.Enabled;
        if (!Enabled) return;
        _signer = Bank131KeyFiles.LoadSigner(s.PrivateKeyFile, s.PrivateKeyPassphrase);
        var options = new Bank131Options { BaseUrl = s.BaseUrl, ProjectId = s.ProjectId, Timeout = s.Timeout };
        _client = new Bank131Client(httpClients.CreateClient(Bank131Settings.HttpClientName), options, _signer);
    }

    public bool Enabled { get; }

    public Bank131Client Client
    {
        get
        {
            EnsureEnabled();
            return _client!;
        }
    }

    /// <summary>Throws FAILED_PRECONDITION when no bank is configured.</summary>
    public void EnsureEnabled()
    {
        if (!Enabled)
            throw new FailedPreconditionException("Payouts are not configured on this vault (Vault:Bank131:BaseUrl is empty).");
    }

    /// <summary>Frees the platform key objects and wipes the private key kept for importing more of them. The
    /// HttpClient's handler belongs to the factory.</summary>
    public void Dispose() => _signer?.Dispose();
}
