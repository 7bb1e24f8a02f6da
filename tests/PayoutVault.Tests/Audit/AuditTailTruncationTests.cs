using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// Issue 9 item 10: a superuser who deletes the newest audit records together with their checkpoints leaves a trail
/// that verifies (the chain and the remaining checkpoints are consistent). Heads kept outside the database show the
/// cut: the vault appends every signed checkpoint to its anchor file and its log stream, and `vaultctl audit verify
/// --anchors FILE` / `--expect-head SEQ:HASH` proves the trail still reaches them, naming the missing range
/// otherwise. PCI DSS 10.3.2, 10.3.4, 10.5.1. Each case runs on its own copy of the golden trail.
/// </summary>
public sealed class AuditTailTruncationTests(AuditGoldenTrail golden) : IClassFixture<AuditGoldenTrail>
{
    private static string HeadArg(long seq, byte[] hash) => $"{seq}:{Convert.ToHexString(hash)}";

    private Task<AuditCli.Result> VerifyAsync(string connectionString, params string[] extra) =>
        AuditCli.RunAsync(["audit", "verify", "--pg", connectionString, .. extra]);

    [Fact]
    public async Task EveryCheckpoint_IsInTheAnchorFile_AndInTheLogStream_WithItsSignature()
    {
        var trail = await golden.TrailAsync();
        var anchors = await AuditAnchorFile.ReadAsync(golden.AnchorFile);

        Assert.NotEmpty(trail.Checkpoints);
        Assert.Equal(trail.Checkpoints.Select(AuditAnchorFile.ToJsonLine).Order(StringComparer.Ordinal),
            anchors.Select(AuditAnchorFile.ToJsonLine).Order(StringComparer.Ordinal));
        Assert.Contains(anchors, a => a.Seq == golden.Head);
        // The log line carries the same head and signature, and nothing of the records themselves.
        foreach (var c in trail.Checkpoints)
        {
            var line = Assert.Single(golden.AnchorLogLines, l => l["Seq"] == c.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Convert.ToHexString(c.RecordHash), line["RecordHash"]);
            Assert.Equal(Convert.ToHexString(c.Signature), line["Signature"]);
            Assert.Equal(c.KeyId, line["KeyId"]);
        }
        var text = await File.ReadAllTextAsync(golden.AnchorFile);
        Assert.Empty(CardDataScanner.FindLuhnRuns(text));
        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Untouched_WithAnchorsOrExpectedHead_IsIntact_AndReachesTheHead()
    {
        await using var copy = await golden.CopyAsync();
        var head = (await golden.TrailAsync()).Records[^1];

        var anchored = await VerifyAsync(copy.ConnectionString, "--anchors", golden.AnchorFile, "--trusted-key", golden.VaultPublicKeyHex);
        var expected = await VerifyAsync(copy.ConnectionString, "--expect-head", HeadArg(head.Seq, head.RecordHash).ToLowerInvariant());

        Assert.True(anchored.ExitCode == 0, anchored.ToString());
        Assert.Contains($"audit trail intact: {golden.Rows.Count} records", anchored.Output, StringComparison.Ordinal);
        Assert.Contains($"it reaches record {golden.Head}", anchored.Output, StringComparison.Ordinal);
        Assert.True(expected.ExitCode == 0, expected.ToString());
        Assert.Contains($"it reaches record {golden.Head}", expected.Output, StringComparison.Ordinal);
        Assert.Contains("unsealed tail: none", anchored.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewestRecordsAndTheirCheckpoints_Deleted_VerifyIntactAlone_ButTruncatedAgainstTheAnchors()
    {
        await using var copy = await golden.CopyAsync();
        var trail = await golden.TrailAsync();
        var head = trail.Records[^1];
        // Cut after an earlier checkpoint when there is one, else somewhere in the middle: all later checkpoints go too.
        var keep = golden.CheckpointSeqs.Where(s => s < golden.Head).DefaultIfEmpty(golden.Head / 2).Max();
        var cutFrom = keep + 1;
        await copy.TamperAsync("DELETE FROM audit_checkpoints WHERE seq >= @from; DELETE FROM audit_log WHERE seq >= @from",
            allTriggers: true, ("from", cutFrom));
        Assert.Equal(keep, await AuditRows.HeadAsync(copy.ConnectionString));

        // The documented limitation: from the database alone, nothing is missing.
        var alone = await VerifyAsync(copy.ConnectionString);
        Assert.True(alone.ExitCode == 0, alone.ToString());
        Assert.Contains($"audit trail intact: {keep} records", alone.Output, StringComparison.Ordinal);
        Assert.Contains("cannot be detected", alone.Output, StringComparison.Ordinal);

        var anchored = await VerifyAsync(copy.ConnectionString, "--anchors", golden.AnchorFile);
        var expected = await VerifyAsync(copy.ConnectionString, "--expect-head", HeadArg(head.Seq, head.RecordHash));

        foreach (var result in new[] { anchored, expected })
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Equal(cutFrom, result.BrokenAt);
            Assert.Contains($"records {cutFrom}..{golden.Head} are missing (tail truncated)", result.Output, StringComparison.Ordinal);
            Assert.Contains($"the trail ends at record {keep}", result.Output, StringComparison.Ordinal);
        }
        Assert.Contains(golden.AnchorFile, anchored.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewrittenTail_WithItsCheckpointsDeleted_DiffersFromTheAnchoredHead()
    {
        await using var copy = await golden.CopyAsync();
        var trail = await golden.TrailAsync();
        var head = trail.Records[^1];
        // The last record is replaced by a consistent one (same seq, hash recomputed) and its checkpoint removed:
        // the chain and the remaining checkpoints verify, and the length is unchanged.
        var entry = head.Entry with { Outcome = "rewritten" };
        var hash = AuditChain.Hash(head.PrevHash, head.Seq, head.OccurredAt, entry);
        await copy.TamperAsync("""
            DELETE FROM audit_checkpoints WHERE seq = @seq;
            UPDATE audit_log SET outcome = @o, record_hash = @h WHERE seq = @seq
            """, allTriggers: true, ("seq", head.Seq), ("o", entry.Outcome), ("h", hash));
        Assert.True((await VerifyAsync(copy.ConnectionString)).ExitCode == 0);

        var anchored = await VerifyAsync(copy.ConnectionString, "--anchors", golden.AnchorFile);

        Assert.True(anchored.ExitCode == 1, anchored.ToString());
        Assert.Equal(head.Seq, anchored.BrokenAt);
        Assert.Contains("rewritten", anchored.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedAnchorLine_IsRefused_NotTakenAsProof()
    {
        await using var copy = await golden.CopyAsync();
        var anchors = await AuditAnchorFile.ReadAsync(golden.AnchorFile);
        var real = anchors.MaxBy(a => a.Seq)!;
        using var folder = new TempDirectory();
        var forged = folder.File("forged.jsonl");
        var bad = real.Signature.ToArray();
        bad[0] ^= 1;
        await File.WriteAllTextAsync(forged, AuditAnchorFile.ToJsonLine(real with { Signature = bad }) + "\n");

        var result = await VerifyAsync(copy.ConnectionString, "--anchors", forged);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("signature does not verify", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsealedRecords_AreReportedAsTheUnsealedTail()
    {
        await using var copy = await golden.CopyAsync();
        // No vault (no sequencer) runs on the copy: appended records stay unsealed.
        await Db.ExecuteAsync(copy.ConnectionString, """
            INSERT INTO audit_log (occurred_at, caller, action, outcome) VALUES (now(), 'test', 'token.read', 'ok'), (now(), 'test', 'token.read', 'ok')
            """);

        var result = await VerifyAsync(copy.ConnectionString, "--anchors", golden.AnchorFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("unsealed tail: 2 committed records not sealed yet", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--expect-head", "12")]
    [InlineData("--expect-head", "0:00")]
    [InlineData("--expect-head", "x:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("--anchors", "/nonexistent/anchors.jsonl")]
    public async Task MalformedHeadArguments_AreUsageErrors(string option, string value)
    {
        var result = await VerifyAsync(golden.ConnectionString, option, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(option, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyOrGarbledAnchorFile_IsAUsageError_NotAnAssurance()
    {
        using var folder = new TempDirectory();
        var empty = folder.File("empty.jsonl");
        await File.WriteAllTextAsync(empty, "\n");
        var garbled = folder.File("garbled.jsonl");
        await File.WriteAllTextAsync(garbled, "{\"type\":\"checkpoint\",\"seq\":\n");

        var fromEmpty = await VerifyAsync(golden.ConnectionString, "--anchors", empty);
        var fromGarbled = await VerifyAsync(golden.ConnectionString, "--anchors", garbled);

        Assert.True(fromEmpty.ExitCode == 2, fromEmpty.ToString());
        Assert.Contains("holds no checkpoint lines", fromEmpty.Output, StringComparison.Ordinal);
        Assert.True(fromGarbled.ExitCode == 2, fromGarbled.ToString());
        Assert.Contains("line 1 is not a checkpoint line", fromGarbled.Output, StringComparison.Ordinal);
    }
}
