using NSec.Cryptography;

namespace PayoutVault.Core.Audit;

/// <summary>The verdict: the first broken record (by seq) and why, or none.</summary>
public sealed record AuditVerdict(bool Intact, long RecordsChecked, int CheckpointsChecked, long? FirstBrokenSeq, string? Reason)
{
    /// <summary>The highest head known from outside the database that the trail was shown to reach, if any was given.</summary>
    public long? ReachedHead { get; init; }

    public string? HeadSource { get; init; }

    public override string ToString() => Intact
        ? $"audit trail intact: {RecordsChecked} records, {CheckpointsChecked} signed checkpoints verified"
            + (ReachedHead is { } head ? $"; it reaches record {head} with the hash {HeadSource} names" : "")
        : $"audit trail BROKEN at record {FirstBrokenSeq}: {Reason}";
}

/// <summary>
/// Offline verification: seq runs 1..n without gaps, each prev_hash is the previous record's hash, each record_hash
/// recomputes from the record's own fields, and every checkpoint's Ed25519 signature verifies and matches the
/// record it names. Editing, deleting, inserting or reordering rows fails at the first affected record; rewriting
/// the whole chain from some point on fails at the first checkpoint after it; cutting rows off the end fails at the
/// last checkpoint, unless the checkpoints after the cut were deleted too: only a head kept outside the database
/// shows that (<see cref="AuditHeadCheck"/>). Trusted keys, when given, pin which signing keys count (the database's
/// copy could be replaced).
/// </summary>
public static class AuditVerifier
{
    /// <param name="progress">told the number of records checked so far, every 10,000 (a long trail takes a while)</param>
    public static AuditVerdict Verify(AuditTrail trail, IReadOnlySet<string>? trustedPublicKeysHex = null,
        IProgress<long>? progress = null)
    {
        var prev = AuditChain.Genesis;
        long expected = 1;
        var hashes = new Dictionary<long, byte[]>();
        foreach (var r in trail.Records)
        {
            if (r.Seq != expected)
                return Broken(trail, expected, r.Seq > expected ? $"record {expected} is missing (next present is {r.Seq})" : $"record {r.Seq} is out of order");
            if (!r.PrevHash.AsSpan().SequenceEqual(prev))
                return Broken(trail, r.Seq, "its prev_hash does not match the previous record (deleted, inserted or reordered)");
            var recomputed = AuditChain.Hash(prev, r.Seq, r.OccurredAt, r.Entry);
            if (!recomputed.AsSpan().SequenceEqual(r.RecordHash))
                return Broken(trail, r.Seq, "its fields do not match its record_hash (edited)");
            hashes[r.Seq] = r.RecordHash;
            prev = r.RecordHash;
            if (expected++ % 10_000 == 0) progress?.Report(expected - 1);
        }
        progress?.Report(trail.Records.Count);

        var checkedCount = 0;
        foreach (var c in trail.Checkpoints.OrderBy(c => c.Seq))
        {
            if (!trail.PublicKeys.TryGetValue(c.KeyId, out var publicKey))
                return Broken(trail, c.Seq, $"checkpoint signed by unknown key {c.KeyId}");
            if (trustedPublicKeysHex is not null && !trustedPublicKeysHex.Contains(Convert.ToHexString(publicKey)))
                return Broken(trail, c.Seq, $"checkpoint signed by key {c.KeyId}, which is not a trusted key");
            if (!SignatureValid(publicKey, AuditChain.CheckpointMessage(c.Seq, c.RecordHash, c.SignedAt), c.Signature))
                return Broken(trail, c.Seq, "checkpoint signature does not verify");
            if (!hashes.TryGetValue(c.Seq, out var hash))
                return Broken(trail, c.Seq, $"a signed checkpoint covers record {c.Seq}, which no longer exists (records cut off the end)");
            if (!hash.AsSpan().SequenceEqual(c.RecordHash))
                return Broken(trail, FirstRewritten(trail, c.Seq), $"the chain up to record {c.Seq} differs from the checkpoint signed at {c.SignedAt:O} (rewritten)");
            checkedCount++;
        }
        return new AuditVerdict(true, trail.Records.Count, checkedCount, null, null);
    }

    internal static bool SignatureValid(byte[] publicKey, byte[] message, byte[] signature)
    {
        try
        {
            var key = PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
            return SignatureAlgorithm.Ed25519.Verify(key, message, signature);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A consistent rewrite is visible only at a checkpoint; the earliest earlier checkpoint that still holds bounds it.</summary>
    private static long FirstRewritten(AuditTrail trail, long checkpointSeq)
    {
        var lastGood = trail.Checkpoints.Where(c => c.Seq < checkpointSeq)
            .Where(c => trail.Records.FirstOrDefault(r => r.Seq == c.Seq)?.RecordHash.AsSpan().SequenceEqual(c.RecordHash) == true)
            .Select(c => c.Seq).DefaultIfEmpty(0).Max();
        return lastGood + 1;
    }

    private static AuditVerdict Broken(AuditTrail trail, long seq, string reason) =>
        new(false, trail.Records.Count, 0, seq, reason);
}
