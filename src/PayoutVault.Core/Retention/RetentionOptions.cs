namespace PayoutVault.Core.Retention;

/// <summary>
/// Configuration section "Vault:Retention": how long a card is kept after its last activity (PCI DSS 3.2.1), and how
/// often every replica sweeps for cards past it.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Vault:Retention";

    /// <summary>Off only by an explicit choice: a vault that keeps cards forever must say so in its configuration.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A live card whose last activity (creation, or the last payout sent with it) is older than this is purged.
    /// Thirteen months: a card paid out to once a year survives, a card nobody pays out to any more does not.
    /// </summary>
    public TimeSpan CardsUnusedFor { get; set; } = DefaultCardsUnusedFor;

    public static readonly TimeSpan DefaultCardsUnusedFor = TimeSpan.FromDays(395);

    /// <summary>How often each replica sweeps. Far shorter than the quarterly check PCI DSS 3.2.1 asks for.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Cards shredded per transaction, each with its audit record, so row locks stay short.</summary>
    public int BatchSize { get; set; } = 500;
}
