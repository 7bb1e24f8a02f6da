using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Rotation;

/// <summary>Data-key rotation online: cards move to the new version while tokenize and payouts keep succeeding.</summary>
public sealed class DataKeyRotationTests
{
    [Fact]
    public async Task RotateDataKey_DuringTokenizeAndPayouts_MovesEveryCard_WithNoFailedCall()
    {
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Settings = RotationKit.Settings(batchSize: 20, batchDelayMs: 100),
        });
        var vault = env.Vault;
        var seeded = await RotationKit.SeedAsync(vault, RotationKit.TestPans.Concat(Enumerable.Range(0, 120).Select(_ => SyntheticCards.Next())));
        await using var load = TrafficLoad.Start(vault, seeded, env);
        await Task.Delay(300);

        var started = await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        Assert.Equal("data", started.Purpose);
        Assert.Equal(2, started.NewVersion);
        Assert.True(started.RowsTotal >= seeded.Count, $"rows_total {started.RowsTotal}");
        Assert.False(started.Complete);

        // A second rotation of the same key is refused while the first is still moving cards.
        var refused = await RpcErrors.ExpectAsync(StatusCode.FailedPrecondition,
            () => vault.Keys().RotateDataKeyAsync(new RotateKeyRequest()).ResponseAsync);
        Assert.Contains("still running", refused.Status.Detail, StringComparison.Ordinal);

        var midway = await vault.Keys().GetKeyStatusAsync(new GetKeyStatusRequest());
        Assert.Contains(midway.Rotations, r => r is { Purpose: "data", NewVersion: 2 } && r.RowsDone <= r.RowsTotal);

        var done = await RotationKit.WaitForCompleteAsync(vault, "data", 2);
        await Task.Delay(300); // traffic after completion too
        await load.AssertCleanAsync(expectPayouts: true);

        Assert.Equal(done.RowsTotal, done.RowsDone);
        Assert.Equal(started.RowsTotal, done.RowsTotal);
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 2));
        var status = await vault.Keys().GetKeyStatusAsync(new GetKeyStatusRequest());
        Assert.Equal(["data/1/retired", "data/2/active"], status.Versions.Where(v => v.Purpose == "data")
            .Select(v => $"{v.Purpose}/{v.Version}/{v.State}").ToArray());

        var all = seeded.Concat(load.Created).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        await RotationKit.AssertEveryTokenOpensAsync(vault, all);
        foreach (var id in load.PayoutIds)
            Assert.Equal(PayoutState.Succeeded, (await env.WaitForAsync(id, p => p.State == PayoutState.Succeeded)).State);

        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotateData, "started"));
        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotateData, "failed_precondition"));
        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotationCompleted));
        Assert.True(await RotationKit.AuditCountAsync(vault, AuditActions.KeyStatusRead) >= 2);
    }

    [Fact]
    public async Task ReencryptionJob_StoppedBetweenBatches_ResumesAfterRestart()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions
        {
            Settings = RotationKit.Settings(batchSize: 10, batchDelayMs: 300),
        });
        var seeded = await RotationKit.SeedAsync(vault, Enumerable.Range(0, 80).Select(_ => SyntheticCards.Next()));
        await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());

        // Stop once some, but not all, cards have moved.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        long moved;
        while ((moved = 80 - await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 2)) < 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job moved nothing");
            await Task.Delay(20);
        }
        var partial = await vault.Keys().GetKeyStatusAsync(new GetKeyStatusRequest());
        await vault.StopAsync();
        var movedAtStop = 80 - await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 2);
        Assert.InRange(movedAtStop, 10, 79);
        var reported = partial.Rotations.Single(r => r.Purpose == "data");
        Assert.False(reported.Complete);
        Assert.Equal(80, reported.RowsTotal);
        Assert.InRange(reported.RowsDone, 10, 79);
        Assert.Equal(1, await Db.CountAsync(vault.ConnectionString, "key_rotations", "completed_at IS NULL"));

        await vault.RestartAsync();
        var done = await RotationKit.WaitForCompleteAsync(vault, "data", 2);
        Assert.Equal(80, done.RowsDone);
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 2));
        await RotationKit.AssertEveryTokenOpensAsync(vault, seeded);
        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotationCompleted));
    }

    [Fact]
    public async Task RotatingTwice_KeepsEveryOlderVersionReadable_AndOnlyTheNewestEncrypts()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings() });
        var first = await RotationKit.SeedAsync(vault, [TestCards.Visa]);
        await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        await RotationKit.WaitForCompleteAsync(vault, "data", 2);
        var second = await RotationKit.SeedAsync(vault, [TestCards.Mastercard]);
        var rotation = await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        Assert.Equal(3, rotation.NewVersion);
        Assert.Equal(2, rotation.RowsTotal);
        await RotationKit.WaitForCompleteAsync(vault, "data", 3);

        var third = await RotationKit.SeedAsync(vault, [TestCards.Mir]);
        Assert.Equal(3, await Db.ScalarAsync<int>(vault.ConnectionString,
            "SELECT data_key_version FROM cards WHERE token = @t", ("t", third.Keys.Single())));
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 3));
        await RotationKit.AssertEveryTokenOpensAsync(vault, first.Concat(second).Concat(third).ToDictionary());
        Assert.Equal(1, await Db.CountAsync(vault.ConnectionString, "key_versions", "purpose = 'data' AND state = 'active'"));
    }
}
