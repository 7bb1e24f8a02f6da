using System.Globalization;

namespace PayoutVault.Core.Audit;

/// <summary>
/// A head the trail must still reach, known from outside the database: a line of the anchor file (signed) or an
/// operator's --expect-head (seq and hash, for example copied from a shipped log line).
/// </summary>
public sealed record ExpectedHead(long Seq, byte[] RecordHash, string Source, AuditCheckpoint? Signed = null)
{
    public static ExpectedHead FromAnchor(AuditCheckpoint anchor, string file) =>
        new(anchor.Seq, anchor.RecordHash, $"the anchor file {file}", anchor);

    /// <summary>"SEQ:HEXHASH" (the hash is the 64 hex digits of the record's SHA-256, either case).</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static ExpectedHead Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq <= 0
            || parts[1].Length != 64 || !parts[1].All(char.IsAsciiHexDigit))
            throw new FormatException("an expected head is SEQ:HASH, a record number and its 64-hex-digit record hash");
        return new ExpectedHead(seq, Convert.FromHexString(parts[1]), "--expect-head");
    }
}

/// <summary>
/// What the database alone cannot prove: that no tail is missing. The chain and its checkpoints verify just as well
/// after a superuser deletes the newest records together with their checkpoints; a head recorded outside the database
/// does not move. Every expected head must be a record of the trail with the same hash; a head beyond the trail's
/// end names the range that was cut off.
/// </summary>
public static class AuditHeadCheck
{
    /// <summary>Applies the heads to a verdict of the chain itself (a broken chain is reported first, as is).</summary>
    public static AuditVerdict Check(AuditTrail trail, AuditVerdict chain, IReadOnlyList<ExpectedHead> heads,
        IReadOnlySet<string>? trustedPublicKeysHex = null)
    {
        if (!chain.Intact || heads.Count == 0) return chain;

        foreach (var head in heads.Where(h => h.Signed is not null))
        {
            var anchor = head.Signed!;
            if (!trail.PublicKeys.TryGetValue(anchor.KeyId, out var key))
                return Broken(chain, anchor.Seq, $"{head.Source} holds a checkpoint of record {anchor.Seq} signed by key {anchor.KeyId}, which the trail does not know");
            if (trustedPublicKeysHex is not null && !trustedPublicKeysHex.Contains(Convert.ToHexString(key)))
                return Broken(chain, anchor.Seq, $"{head.Source} holds a checkpoint of record {anchor.Seq} signed by key {anchor.KeyId}, which is not a trusted key");
            if (!AuditVerifier.SignatureValid(key, AuditChain.CheckpointMessage(anchor.Seq, anchor.RecordHash, anchor.SignedAt), anchor.Signature))
                return Broken(chain, anchor.Seq, $"{head.Source} holds a checkpoint of record {anchor.Seq} whose signature does not verify");
        }

        // Verified records run 1..n without gaps, so record s is at index s - 1.
        var end = trail.Records.Count == 0 ? 0 : trail.Records[^1].Seq;
        var highest = heads.MaxBy(h => h.Seq)!;
        if (highest.Seq > end)
            return Broken(chain, end + 1,
                $"records {end + 1}..{highest.Seq} are missing (tail truncated): {highest.Source} names record {highest.Seq} "
                + $"with hash {Convert.ToHexString(highest.RecordHash)}, but the trail ends at record {end}");
        foreach (var head in heads.OrderBy(h => h.Seq))
            if (!trail.Records[(int)(head.Seq - 1)].RecordHash.AsSpan().SequenceEqual(head.RecordHash))
                return Broken(chain, head.Seq,
                    $"record {head.Seq} does not have the hash {head.Source} names (the chain up to it was rewritten)");
        return chain with { ReachedHead = highest.Seq, HeadSource = highest.Source };
    }

    private static AuditVerdict Broken(AuditVerdict chain, long seq, string reason) =>
        chain with { Intact = false, FirstBrokenSeq = seq, Reason = reason };
}
