namespace PayoutVault.Server.Audit;

/// <summary>A stored audit record as the verifier sees it (from the database or an export).</summary>
public sealed record AuditRecord(long Seq, DateTime OccurredAt, AuditEntry Entry, byte[] PrevHash, byte[] RecordHash);

/// <summary>A signed statement "the chain head at Seq had RecordHash".</summary>
public sealed record AuditCheckpoint(long Seq, byte[] RecordHash, DateTime SignedAt, string KeyId, byte[] Signature);

/// <summary>Everything needed to verify the trail offline.</summary>
public sealed record AuditTrail(
    IReadOnlyList<AuditRecord> Records, IReadOnlyList<AuditCheckpoint> Checkpoints,
    IReadOnlyDictionary<string, byte[]> PublicKeys);
