namespace PayoutVault.Core.Capture;

/// <summary>
/// Configuration section "Vault:Capture": the hosted card-capture page's own HTTPS listener. Off unless
/// CertificateFile is set; it never shares the mutual-TLS gRPC port or the bank's webhook port.
/// </summary>
public sealed class CaptureOptions
{
    public const string Section = "Vault:Capture";

    /// <summary>Address the capture listener binds (default 127.0.0.1; put it behind the public load balancer).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Port of the capture listener (HTTPS, HTTP/1.1 and HTTP/2).</summary>
    public int Port { get; set; } = 7443;

    /// <summary>The page's server certificate (PEM). Setting it turns the capture listener on.</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The certificate's private key (PEM).</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>
    /// Base of the one-time URLs handed to backends, as browsers reach the listener (e.g. https://pay.example.com).
    /// Empty: https://localhost:{Port}.
    /// </summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>Development switch: let sessions name http://localhost[:port] as a parent origin.</summary>
    public bool AllowLocalhostOrigins { get; set; }

    /// <summary>Session lifetime when a request names none.</summary>
    public int DefaultExpiryMinutes { get; set; } = 15;

    /// <summary>Longest session lifetime a request may ask for.</summary>
    public int MaxExpiryMinutes { get; set; } = 60;

    /// <summary>Refused submissions (wrong secret, invalid card) after which a session is locked for good.</summary>
    public int MaxRefusedAttempts { get; set; } = 5;

    /// <summary>Requests per minute to one session's page and submit endpoint, per replica.</summary>
    public int PerSessionPerMinute { get; set; } = 20;

    /// <summary>Requests per minute from one client address to the capture listener, per replica.</summary>
    public int PerAddressPerMinute { get; set; } = 60;

    /// <summary>How often open sessions past their expiry are marked expired (and audited).</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile);

    /// <summary>The public base URL without a trailing slash.</summary>
    public string BaseUrl => (string.IsNullOrWhiteSpace(PublicUrl) ? $"https://localhost:{Port}" : PublicUrl).TrimEnd('/');

    /// <summary>Start-up problems, each named with the key that fixes it.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Enabled) yield break;
        if (!System.Net.IPAddress.TryParse(BindAddress, out _)) yield return "Vault:Capture:BindAddress must be an IP address.";
        if (Port is < 1 or > 65535) yield return "Vault:Capture:Port must be 1-65535.";
        if (!File.Exists(CertificateFile)) yield return "Vault:Capture:CertificateFile names a file that does not exist.";
        if (string.IsNullOrWhiteSpace(KeyFile) || !File.Exists(KeyFile)) yield return "Vault:Capture:KeyFile must name the certificate's key file.";
        if (!string.IsNullOrWhiteSpace(PublicUrl) && !(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps
                && u.AbsolutePath == "/" && u.Query.Length == 0 && u.Fragment.Length == 0 && u.UserInfo.Length == 0))
            yield return "Vault:Capture:PublicUrl must be an https:// URL without path, query or fragment.";
        if (DefaultExpiryMinutes < 1 || MaxExpiryMinutes < DefaultExpiryMinutes || MaxExpiryMinutes > 24 * 60)
            yield return "Vault:Capture: need 1 <= DefaultExpiryMinutes <= MaxExpiryMinutes <= 1440.";
        if (MaxRefusedAttempts < 1 || PerSessionPerMinute < 1 || PerAddressPerMinute < 1)
            yield return "Vault:Capture: MaxRefusedAttempts, PerSessionPerMinute and PerAddressPerMinute must be positive.";
        if (ExpirySweepInterval <= TimeSpan.Zero) yield return "Vault:Capture:ExpirySweepInterval must be positive.";
    }
}
