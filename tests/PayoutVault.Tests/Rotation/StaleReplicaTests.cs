using Npgsql;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Keys;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Rotation;

/// <summary>
/// Two or three vaults on one database. Replicas B and C poll for key changes only once an hour, so right after a
/// rotation on A their key rings are stale: the database must still keep them from encrypting under a retired version.
/// </summary>
public sealed class StaleReplicaTests
{
    private static async Task<VaultServer> StaleReplicaAsync(VaultServer primary)
    {
        var replica = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = primary.Database,
            MasterKeyFile = primary.MasterKeyFile,
            Settings = RotationKit.Settings(pollMs: 3_600_000),
        });
        // Its job's pass at start must be over before a test rotates elsewhere; the next one is an hour away.
        await replica.GetRequiredService<PayoutVault.Core.Rotation.ReencryptionJob>().FirstPassDone.WaitAsync(TimeSpan.FromSeconds(30));
        return replica;
    }

    private static Task<int> VersionOfAsync(VaultServer vault, string column, string token) =>
        Db.ScalarAsync<int>(vault.ConnectionString, $"SELECT {column} FROM cards WHERE token = @t", ("t", token));

    [Fact]
    public async Task StaleReplica_TokenizingRightAfterADataRotationElsewhere_WritesOnlyTheNewVersion()
    {
        await using var a = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings() });
        await using var b = await StaleReplicaAsync(a);
        await using var c = await StaleReplicaAsync(a);
        var seeded = await RotationKit.SeedAsync(a, [TestCards.Visa, TestCards.Mastercard]);
        var ringB = b.GetRequiredService<KeyRing>();

        await a.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        Assert.Equal(1, ringB.ActiveVersion(KeyPurpose.Data)); // B has not noticed the rotation

        var pan = SyntheticCards.Next();
        var created = await b.Tokens.TokenizeAsync(pan);
        Assert.True(created.Created);
        Assert.Equal(2, await VersionOfAsync(a, "data_key_version", created.Card.Token));
        Assert.Equal(2, ringB.ActiveVersion(KeyPurpose.Data)); // refused once, reloaded, re-sealed
        var visa = await b.Tokens.TokenizeAsync(TestCards.Visa);
        Assert.Equal(seeded.Single(kv => kv.Value == TestCards.Visa).Key, visa.Card.Token);

        // C never reloaded on its own, yet reads cards that A's job moved to the version it has not seen.
        await RotationKit.WaitForCompleteAsync(a, "data", 2);
        Assert.Equal(1, c.GetRequiredService<KeyRing>().ActiveVersion(KeyPurpose.Data));
        seeded[created.Card.Token] = pan;
        await RotationKit.AssertEveryTokenOpensAsync(c, seeded);
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(a, "data_key_version", 2));
    }

    [Fact]
    public async Task Replica_ThatReloadedItsRingOnItsOwn_TokenizesAtOnceUnderTheNewDataKey()
    {
        // B reloads its ring the way its poll does, before any of its writes is refused and before its re-encryption
        // job runs. Its first seals under the new version must find encryptions reserved: a seal that found none
        // answered UNAVAILABLE while the version's first block was on its way.
        await using var a = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings() });
        await using var b = await StaleReplicaAsync(a);
        var ringB = b.GetRequiredService<KeyRing>();

        await a.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        await ringB.RefreshAsync(CancellationToken.None);
        Assert.Equal(2, ringB.ActiveVersion(KeyPurpose.Data));

        var single = await b.Tokens.TokenizeAsync(SyntheticCards.Next());
        Assert.True(single.Created);
        Assert.Equal(2, await VersionOfAsync(a, "data_key_version", single.Card.Token));

        var batch = await b.Tokens.RunAsync(BatchCalls.Message(SyntheticCards.Next(), SyntheticCards.Next()));
        Assert.Null(batch.Failure);
        Assert.All(batch.Results, r => Assert.Equal(TokenizeBatchResult.OutcomeOneofCase.Tokenized, r.OutcomeCase));
        foreach (var r in batch.Results) Assert.Equal(2, await VersionOfAsync(a, "data_key_version", r.Tokenized.Card.Token));
    }

    [Fact]
    public async Task StaleReplica_AfterAFingerprintRotationElsewhere_StillFindsExistingCards()
    {
        await using var a = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings() });
        await using var b = await StaleReplicaAsync(a);
        var seeded = await RotationKit.SeedAsync(a, RotationKit.TestPans);

        await a.Keys().RotateFingerprintKeyAsync(new RotateKeyRequest());
        await RotationKit.WaitForCompleteAsync(a, "fingerprint", 2);
        Assert.Equal(1, b.GetRequiredService<KeyRing>().ActiveVersion(KeyPurpose.Fingerprint));

        // B only knows fingerprint version 1; every stored fingerprint is version 2 by now.
        foreach (var (token, pan) in seeded)
        {
            var again = await b.Tokens.TokenizeAsync(pan);
            Assert.Equal(token, again.Card.Token);
            Assert.False(again.Created);
        }
        var created = await b.Tokens.TokenizeAsync(SyntheticCards.Next());
        Assert.Equal(2, await VersionOfAsync(a, "fingerprint_version", created.Card.Token));
        Assert.Equal(seeded.Count + 1, await Db.CountAsync(a.ConnectionString, "cards", "deleted_at IS NULL"));
    }

    [Fact]
    public async Task Database_RefusesANewCardRowUnderARetiredKeyVersion()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings() });
        await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());

        const string insert = """
            INSERT INTO cards (token, fingerprint, fingerprint_version, pan_ciphertext, data_key_version, bin, last4, brand)
            VALUES (@t, @f, 1, '\x00', @v, '999999', '0000', 'unknown')
            """;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(vault.ConnectionString, insert,
            ("t", "tok_" + new string('a', 26)), ("f", new byte[] { 1 }), ("v", 1)));
        Assert.Equal("PVK01", refused.SqlState);
        Assert.Equal(1, await Db.ExecuteAsync(vault.ConnectionString, insert,
            ("t", "tok_" + new string('b', 26)), ("f", new byte[] { 2 }), ("v", 2)));
    }
}
