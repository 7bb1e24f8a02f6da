namespace PayoutVault.Core.Payouts;

/// <summary>Configuration section "Vault:Bank131". Payouts are off (FAILED_PRECONDITION) while BaseUrl is empty.</summary>
public sealed class Bank131Settings
{
    public const string Section = "Vault:Bank131";

    /// <summary>e.g. https://demo.bank131.ru for the bank's demo, or the sandbox's loopback URL.</summary>
    public string BaseUrl { get; set; } = "";
    public string ProjectId { get; set; } = "";

    /// <summary>The partner RSA private key, PEM (PKCS#1 or PKCS#8, optionally encrypted).</summary>
    public string PrivateKeyFile { get; set; } = "";
    public string? PrivateKeyPassphrase { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Development switch for the loopback sandbox: allow an http:// BaseUrl. Off, the vault refuses to start with
    /// one, since the request carries the card number (PCI DSS 4.2.1: strong cryptography in transit).
    /// </summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// Revocation checking of the bank's TLS certificate chain (PCI DSS 4.2.1: only unrevoked certificates). Online
    /// fetches the CRLs the chain names (allow the bank CA's CRL/OCSP hosts in the egress policy); a chain whose
    /// revocation status cannot be determined fails the handshake. Offline uses cached CRLs only. NoCheck is for
    /// the loopback sandbox.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509RevocationMode RevocationCheck { get; set; } =
        System.Security.Cryptography.X509Certificates.X509RevocationMode.Online;

    /// <summary>
    /// Most connections open to the bank at once (HTTP/1.1 keep-alive: one request per connection at a time).
    /// Sized for the payout concurrency, so concurrent payouts never queue for a connection; idle ones stay warm
    /// for <see cref="ConnectionIdleTimeout"/>. Must be positive.
    /// </summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>How long an idle connection to the bank stays open for the next payout (no new TLS handshake).</summary>
    public static readonly TimeSpan ConnectionIdleTimeout = TimeSpan.FromMinutes(3);

    public bool Enabled => !string.IsNullOrWhiteSpace(BaseUrl);
}
