namespace PayoutVault.Core.Sequencing;

/// <summary>Configuration section "Vault:Sequencer": how the ordered logs are sealed.</summary>
public sealed class SequencerOptions
{
    public const string Section = "Vault:Sequencer";

    /// <summary>How often the leader looks for committed, unsealed rows when the last pass found fewer than a batch.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Most rows of each log sealed in one transaction.</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>How often a replica that is not the leader tries to take over (the leader's death frees the lock at once).</summary>
    public TimeSpan LeaderRetryInterval { get; set; } = TimeSpan.FromSeconds(1);
}
