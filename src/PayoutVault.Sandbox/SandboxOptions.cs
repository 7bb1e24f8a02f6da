namespace PayoutVault.Sandbox;

/// <summary>
/// Sandbox settings: configuration section <c>Sandbox</c> (environment variables <c>Sandbox__Name</c>, command line
/// <c>--Sandbox:Name=value</c>), then the optional delegate passed to <see cref="SandboxApp.Build"/>.
/// TimeSpans use the "hh:mm:ss.fff" form, e.g. <c>Sandbox__WebhookDelay=00:00:00.500</c>.
/// </summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Sandbox";

    /// <summary>Largest request body the sandbox reads, as a bank front end would cap it.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>PEM public key of the partner (the vault); verifies <c>X-PARTNER-SIGN</c> on every request. Required.</summary>
    public string PartnerPublicKeyFile { get; set; } = "";

    /// <summary>PEM private key playing the bank's; signs webhooks. Required.</summary>
    public string BankPrivateKeyFile { get; set; } = "";

    /// <summary>Passphrase of <see cref="BankPrivateKeyFile"/> when it is encrypted.</summary>
    public string? BankPrivateKeyPassphrase { get; set; }

    /// <summary>Expected <c>X-PARTNER-PROJECT</c>. Empty accepts any non-empty project id.</summary>
    public string ProjectId { get; set; } = "";

    /// <summary>Where webhooks are POSTed; empty sends none (sessions still finish).</summary>
    public string WebhookUrl { get; set; } = "";

    /// <summary>Time between accepting a payout and its final webhook.</summary>
    public TimeSpan WebhookDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the <c>slow</c> scenario holds its answer back.</summary>
    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries per webhook while the receiver answers anything but 200.</summary>
    public int WebhookMaxAttempts { get; set; } = 10;

    /// <summary>First pause between webhook attempts; doubles each time, capped at <see cref="WebhookMaxRetryDelay"/>.</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan WebhookMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}
