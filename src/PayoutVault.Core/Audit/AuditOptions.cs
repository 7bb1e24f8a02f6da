namespace PayoutVault.Core.Audit;

/// <summary>Configuration section "Vault:Audit": how often the chain head is signed.</summary>
public sealed class AuditOptions
{
    public const string Section = "Vault:Audit";

    /// <summary>Sign a checkpoint once this many records have been appended since the last one...</summary>
    public int CheckpointEvery { get; set; } = 100;

    /// <summary>...or once this much time has passed with any new record.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Optional file outside the database to which every signed checkpoint is appended as one JSON line (fsync'd),
    /// for the operator to ship off the box: `vaultctl audit verify --anchors` proves the trail still reaches the
    /// newest head it names, which the database alone cannot (a superuser can cut off the newest records together
    /// with their checkpoints). Its directory must exist at start.
    /// </summary>
    public string? AnchorFile { get; set; }
}
