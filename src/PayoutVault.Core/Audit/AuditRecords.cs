namespace PayoutVault.Core.Audit;

/// <summary>A stored audit record as the verifier sees it (from the database or an export).</summary>
public sealed record AuditRecord(long Seq, DateTime OccurredAt, AuditEntry Entry, byte[] PrevHash, byte[] RecordHash);

/// <summary>A signed statement "the chain head at Seq had RecordHash".</summary>
public sealed record AuditCheckpoint(long Seq, byte[] RecordHash, DateTime SignedAt, string KeyId, byte[] Signature);

/// <summary>Everything needed to verify the trail offline.</summary>
public sealed record AuditTrail(
    IReadOnlyList<AuditRecord> Records, IReadOnlyList<AuditCheckpoint> Checkpoints,
    IReadOnlyDictionary<string, byte[]> PublicKeys)
{
    /// <summary>
    /// Records committed but not sealed yet (no seq, no hash), read from the database; null from an export. The
    /// sequencer seals within milliseconds, so a count that stays above zero means no replica is sequencing.
    /// </summary>
    public long? Unsealed { get; init; }
}
