namespace PayoutVault.Core.Rotation;

/// <summary>Configuration section "Vault:Rotation": pacing of the re-encryption job that runs on every replica.</summary>
public sealed class RotationOptions
{
    public const string Section = "Vault:Rotation";

    /// <summary>Cards re-encrypted per transaction. Small batches keep row locks short for concurrent payouts.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>
    /// How often a replica looks for a running rotation and for key versions activated by another replica (then it
    /// reloads its key ring). A rotation started on this replica wakes its own job at once.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause between batches, to bound the job's share of the database while it catches up.</summary>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.Zero;
}
