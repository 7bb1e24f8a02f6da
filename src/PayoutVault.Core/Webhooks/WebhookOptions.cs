namespace PayoutVault.Core.Webhooks;

/// <summary>Configuration section "Vault:Webhooks": the bank-facing listener.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Vault:Webhooks";
    public const string Path = "/webhooks/bank131";

    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Port of the HTTP/1.1 webhook listener, separate from gRPC; 0 picks a free one.</summary>
    public int Port { get; set; } = 7432;

    /// <summary>PEM file of Bank 131's public key, which verifies X-PARTNER-SIGN on every webhook.</summary>
    public string BankPublicKeyFile { get; set; } = "";

    /// <summary>Largest accepted body; larger ones get 413 before anything is read into memory.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
