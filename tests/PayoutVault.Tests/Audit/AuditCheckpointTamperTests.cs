using NSec.Cryptography;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// What the hash chain alone cannot show, the signed checkpoints do: rows cut off the end, and a chain rewritten
/// with every later hash recomputed; and pinning the vault's checkpoint key (--trusted-key) defeats checkpoints
/// re-signed with an attacker's key. Each case runs on its own copy of a real trail.
/// </summary>
public sealed class AuditCheckpointTamperTests(AuditGoldenTrail golden) : IClassFixture<AuditGoldenTrail>
{
    [Fact]
    public async Task RowsCutOffTheEnd_AfterACheckpoint_AreCaughtByTheCheckpoint()
    {
        await using var copy = await golden.CopyAsync();
        var cutFrom = golden.Head - 1;

        // The chain that is left is internally consistent: only the signed checkpoint can tell rows are gone.
        await copy.TamperAsync("DELETE FROM audit_log WHERE seq >= @from", allTriggers: true, ("from", cutFrom));
        Assert.Equal(cutFrom - 1, await AuditRows.HeadAsync(copy.ConnectionString));

        var result = await AuditCli.VerifyAsync(copy.ConnectionString);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(result.BrokenAt >= cutFrom, result.ToString());
        Assert.Contains("no longer exists", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsistentlyRecomputedChain_IsCaughtByASignedCheckpoint()
    {
        await using var copy = await golden.CopyAsync();
        var edited = golden.SeqOf(AuditActions.PayoutDetokenize);
        await RewriteFromAsync(copy, edited);
        // Every hash recomputes: without checkpoints this rewrite would be invisible.
        var chainOnly = await AuditTrailReader.FromDatabaseAsync(copy.ConnectionString);
        Assert.True(AuditVerifier.Verify(chainOnly with { Checkpoints = [] }).Intact);

        var result = await AuditCli.VerifyAsync(copy.ConnectionString);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("rewritten", result.Output, StringComparison.Ordinal);
        var lastGoodCheckpoint = golden.CheckpointSeqs.Where(s => s < edited).DefaultIfEmpty(0).Max();
        Assert.Equal(lastGoodCheckpoint + 1, result.BrokenAt);
    }

    [Fact]
    public async Task RecomputedChain_WithCheckpointsReSignedByAnotherKey_IsCaughtWhenTheVaultKeyIsPinned()
    {
        await using var copy = await golden.CopyAsync();
        var edited = golden.SeqOf(AuditActions.PayoutDetokenize);
        await RewriteFromAsync(copy, edited);

        // The attacker replaces every checkpoint from the edit on with one signed by a key of their own.
        using var forger = Key.Create(SignatureAlgorithm.Ed25519);
        var forgedKey = forger.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var trail = await AuditTrailReader.FromDatabaseAsync(copy.ConnectionString);
        var head = trail.Records[^1];
        var signedAt = AuditChain.Truncate(DateTime.UtcNow);
        var signature = SignatureAlgorithm.Ed25519.Sign(forger, AuditChain.CheckpointMessage(head.Seq, head.RecordHash, signedAt));
        await copy.TamperAsync("""
            DELETE FROM audit_checkpoints WHERE seq >= @edited;
            INSERT INTO audit_signing_keys (key_id, public_key) VALUES ('ak-forged', @pk);
            INSERT INTO audit_checkpoints (seq, record_hash, signed_at, key_id, signature) VALUES (@seq, @hash, @at, 'ak-forged', @sig);
            """, false, ("edited", edited), ("pk", forgedKey), ("seq", head.Seq), ("hash", head.RecordHash), ("at", signedAt), ("sig", signature));

        var pinned = await AuditCli.VerifyAsync(copy.ConnectionString, golden.VaultPublicKeyHex);

        Assert.True(pinned.ExitCode == 1, pinned.ToString());
        Assert.Contains("not a trusted key", pinned.Output, StringComparison.Ordinal);
        Assert.Equal(head.Seq, pinned.BrokenAt);
    }

    /// <summary>Edits record <paramref name="seq"/> and recomputes prev_hash and record_hash of it and every later
    /// record with the real chain rule, as an attacker with the source code and superuser access would.</summary>
    private static async Task RewriteFromAsync(AuditTrailCopy copy, long seq)
    {
        var trail = await AuditTrailReader.FromDatabaseAsync(copy.ConnectionString);
        var prev = trail.Records.First(r => r.Seq == seq).PrevHash;
        var sql = new List<string>();
        var parameters = new List<(string, object?)>();
        foreach (var r in trail.Records.Where(r => r.Seq >= seq))
        {
            var entry = r.Seq == seq ? r.Entry with { Outcome = "skipped", Detail = "nothing decrypted" } : r.Entry;
            var hash = AuditChain.Hash(prev, r.Seq, r.OccurredAt, entry);
            sql.Add($"UPDATE audit_log SET outcome = @o{r.Seq}, detail = @d{r.Seq}, prev_hash = @p{r.Seq}, record_hash = @h{r.Seq} WHERE seq = {r.Seq}");
            parameters.Add(($"o{r.Seq}", entry.Outcome));
            parameters.Add(($"d{r.Seq}", entry.Detail));
            parameters.Add(($"p{r.Seq}", prev));
            parameters.Add(($"h{r.Seq}", hash));
            prev = hash;
        }
        await copy.TamperAsync(string.Join(";\n", sql), false, parameters.ToArray());
    }
}
