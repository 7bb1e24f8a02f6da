namespace PayoutVault.Core.Payouts;

/// <summary>Configuration section "Vault:Payouts": reconciliation timing.</summary>
public sealed class PayoutOptions
{
    public const string Section = "Vault:Payouts";

    /// <summary>How long a payout in flight is left alone before the reconciler may pick it up (must exceed the bank timeout).</summary>
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>First retry delay for an unknown outcome; doubles per attempt up to MaxCheckDelay.</summary>
    public TimeSpan FirstCheckDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxCheckDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After the bank accepted a payout, when to ask session/status if no webhook has settled it.</summary>
    public TimeSpan StatusCheckAfterAccept { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the reconciler looks for due payouts.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Backoff(int attempts)
    {
        var factor = Math.Pow(2, Math.Min(attempts, 20));
        return TimeSpan.FromTicks((long)Math.Min(FirstCheckDelay.Ticks * factor, MaxCheckDelay.Ticks));
    }
}
