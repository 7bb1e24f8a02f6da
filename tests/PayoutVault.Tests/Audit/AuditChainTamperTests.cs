using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// The audit trail is tamper-evident and verifiable offline with the shipped tool (invariant 7, PCI DSS 10.3.2,
/// 10.3.4): `vaultctl audit verify` passes an untouched trail and, after a superuser switches the append-only
/// triggers off, names the first record that was edited, deleted or reordered. Each case runs on its own copy of a
/// real trail (see <see cref="AuditGoldenTrail"/>).
/// </summary>
public sealed class AuditChainTamperTests(AuditGoldenTrail golden) : IClassFixture<AuditGoldenTrail>
{
    [Fact]
    public void TheGoldenTrail_HoldsTheActivity_AndCheckpoints()
    {
        var actions = golden.Rows.Select(r => r.Action).ToHashSet(StringComparer.Ordinal);
        foreach (var a in new[]
                 {
                     AuditActions.VaultStarted, AuditActions.Tokenize, AuditActions.TokenRead, AuditActions.TokenDelete,
                     AuditActions.PayoutCreate, AuditActions.PayoutDetokenize, AuditActions.AuthPermissionDenied,
                     AuditActions.AuthUnauthenticated, AuditActions.RequestFailed, AuditActions.WebhookSignatureInvalid,
                 })
            Assert.True(actions.Contains(a), $"the trail has no {a} record:\n{AuditRows.Describe(golden.Rows)}");
        Assert.Equal(Enumerable.Range(1, golden.Rows.Count).Select(i => (long)i), golden.Rows.Select(r => r.Seq));
        Assert.Contains(golden.Head, golden.CheckpointSeqs);
    }

    [Fact]
    public async Task Untouched_VerifiesIntact_WithAndWithoutThePinnedKey()
    {
        await using var copy = await golden.CopyAsync();

        var plain = await AuditCli.VerifyAsync(copy.ConnectionString);
        var pinned = await AuditCli.VerifyAsync(copy.ConnectionString, golden.VaultPublicKeyHex);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Contains($"audit trail intact: {golden.Rows.Count} records", plain.Output, StringComparison.Ordinal);
        Assert.True(pinned.ExitCode == 0, pinned.ToString());
        Assert.Null(pinned.BrokenAt);
    }

    [Fact]
    public async Task EditedOutcome_IsBroken_AtThatRecord()
    {
        await using var copy = await golden.CopyAsync();
        var seq = golden.SeqOf(AuditActions.AuthPermissionDenied);

        await copy.TamperAsync("UPDATE audit_log SET outcome = 'ok' WHERE seq = @seq", false, ("seq", seq));

        var result = await AuditCli.VerifyAsync(copy.ConnectionString);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(seq, result.BrokenAt);
        Assert.Contains("edited", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletedRow_IsBroken_AtThatRecord()
    {
        await using var copy = await golden.CopyAsync();
        var seq = golden.Rows.First(r => r.Action == AuditActions.TokenRead && !golden.CheckpointSeqs.Contains(r.Seq)).Seq;

        await copy.TamperAsync("DELETE FROM audit_log WHERE seq = @seq", false, ("seq", seq));

        var result = await AuditCli.VerifyAsync(copy.ConnectionString);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(seq, result.BrokenAt);
        Assert.Contains("missing", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwappedRows_AreBroken_AtTheFirstOfThem()
    {
        await using var copy = await golden.CopyAsync();
        var first = golden.SeqOf(AuditActions.PayoutCreate);
        var second = golden.SeqOf(AuditActions.PayoutDetokenize);
        Assert.True(first < second);

        // Every column but seq changes places: the two events now appear in the opposite order.
        await copy.TamperAsync("""
            UPDATE audit_log a SET occurred_at = b.occurred_at, caller = b.caller, action = b.action, object_id = b.object_id,
                   outcome = b.outcome, request_id = b.request_id, detail = b.detail, prev_hash = b.prev_hash, record_hash = b.record_hash
            FROM audit_log b
            WHERE (a.seq = @i AND b.seq = @j) OR (a.seq = @j AND b.seq = @i)
            """, false, ("i", first), ("j", second));
        Assert.Equal(AuditActions.PayoutDetokenize, (await AuditRows.ReadAsync(copy.ConnectionString, "seq = @s", ("s", first)))[0].Action);

        var result = await AuditCli.VerifyAsync(copy.ConnectionString);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(first, result.BrokenAt);
    }

    public static TheoryData<string> Columns() =>
        new() { "caller", "action", "object_id", "object_id=null", "outcome", "request_id", "detail", "occurred_at", "seq" };

    /// <summary>Every field of a record is covered by its hash: the verifier (the code behind the command) is run on
    /// the golden trail with one field of one record changed, in memory.</summary>
    [Theory]
    [MemberData(nameof(Columns))]
    public async Task EditingAnyField_IsBroken_AtThatRecord(string column)
    {
        var trail = await golden.TrailAsync();
        var seq = golden.SeqOf(AuditActions.AuthPermissionDenied);
        Assert.True(AuditVerifier.Verify(trail).Intact);

        var records = trail.Records.Select(r => r.Seq != seq ? r : column switch
        {
            "caller" => r with { Entry = r.Entry with { Caller = "payout-service" } },
            "action" => r with { Entry = r.Entry with { Action = AuditActions.TokenRead } },
            "object_id" => r with { Entry = r.Entry with { ObjectId = "tok_aaaaaaaaaaaaaaaaaaaaaaaaaa" } },
            "object_id=null" => r with { Entry = r.Entry with { ObjectId = null } },
            "outcome" => r with { Entry = r.Entry with { Outcome = "ok" } },
            "request_id" => r with { Entry = r.Entry with { RequestId = "req-forged" } },
            "detail" => r with { Entry = r.Entry with { Detail = "nothing to see" } },
            "occurred_at" => r with { OccurredAt = r.OccurredAt.AddTicks(10) },
            "seq" => r with { Seq = r.Seq + 1 },
            _ => throw new ArgumentOutOfRangeException(nameof(column)),
        }).ToArray();

        var verdict = AuditVerifier.Verify(trail with { Records = records });
        Assert.False(verdict.Intact, $"editing {column} went unnoticed");
        Assert.Equal(seq, verdict.FirstBrokenSeq);
    }
}
