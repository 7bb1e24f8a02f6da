namespace PayoutVault.Server.Audit;

/// <summary>Configuration section "Vault:Audit": how often the chain head is signed.</summary>
public sealed class AuditOptions
{
    public const string Section = "Vault:Audit";

    /// <summary>Sign a checkpoint once this many records have been appended since the last one...</summary>
    public int CheckpointEvery { get; set; } = 100;

    /// <summary>...or once this much time has passed with any new record.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);
}
