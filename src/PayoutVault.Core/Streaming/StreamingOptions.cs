namespace PayoutVault.Core.Streaming;

/// <summary>Configuration section "Vault:Streaming".</summary>
public sealed class StreamingOptions
{
    public const string Section = "Vault:Streaming";

    /// <summary>Fallback poll when no NOTIFY arrives (LISTEN/NOTIFY is only a wake-up, never relied on).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Recent events kept in memory for live subscribers; anyone further behind reads from the database.</summary>
    public int LiveBufferSize { get; set; } = 4096;

    /// <summary>Page size for catch-up reads from the database.</summary>
    public int CatchUpPageSize { get; set; } = 500;
}
