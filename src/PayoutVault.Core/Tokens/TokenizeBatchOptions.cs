namespace PayoutVault.Core.Tokens;

/// <summary>Configuration section "Vault:TokenizeBatch": the bounds of one TokenizeBatch call.</summary>
public sealed class TokenizeBatchOptions
{
    public const string Section = "Vault:TokenizeBatch";

    /// <summary>
    /// Most cards in one request message. 1,000 cards of 19 digits with an expiry are about 33 KB, inside the
    /// listener's 64 KiB message limit with room to spare.
    /// </summary>
    public int MaxItemsPerMessage { get; set; } = 1000;

    /// <summary>
    /// Most cards in one call. The call keeps every card it has stored (fingerprint and display data, for dedupe
    /// inside the call) in memory, about 500 bytes a card: this bounds that to a few megabytes per call. A longer
    /// import makes more calls; a card repeated across calls is found in the vault instead.
    /// </summary>
    public int MaxItemsPerCall { get; set; } = 10_000;

    /// <summary>
    /// Request messages read ahead while earlier ones are still being written: enough to keep the group-commit
    /// writers busy; beyond it the vault stops reading, and HTTP/2 flow control makes the caller wait.
    /// </summary>
    public int MessagesInFlight { get; set; } = 4;
}
