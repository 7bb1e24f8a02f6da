using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Rotation;

/// <summary>Fingerprint-key rotation online: every fingerprint is recomputed while dedupe keeps one token per card.</summary>
public sealed class FingerprintRotationTests
{
    [Fact]
    public async Task RotateFingerprintKey_DuringTokenize_KeepsOneTokenPerCard_BeforeDuringAndAfter()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions
        {
            Settings = RotationKit.Settings(batchSize: 10, batchDelayMs: 100),
        });
        var seeded = await RotationKit.SeedAsync(vault, RotationKit.TestPans.Concat(Enumerable.Range(0, 60).Select(_ => SyntheticCards.Next())));
        var visaToken = seeded.Single(kv => kv.Value == TestCards.Visa).Key;
        var visaFingerprintBefore = await FingerprintAsync(vault, visaToken);
        await using var load = TrafficLoad.Start(vault, seeded);

        var started = await vault.Keys().RotateFingerprintKeyAsync(new RotateKeyRequest());
        Assert.Equal(("fingerprint", 2), (started.Purpose, started.NewVersion));

        // During: the same card numbers come back with their tokens, whether or not the job has reached them yet.
        foreach (var pan in RotationKit.TestPans)
        {
            var again = await vault.Tokens.TokenizeAsync(pan);
            Assert.Equal(seeded.Single(kv => kv.Value == pan).Key, again.Card.Token);
            Assert.False(again.Created);
        }

        var done = await RotationKit.WaitForCompleteAsync(vault, "fingerprint", 2);
        await load.AssertCleanAsync(expectPayouts: false);
        Assert.Equal(done.RowsTotal, done.RowsDone);

        // After: every known card number still dedupes to its one token.
        foreach (var (token, pan) in seeded)
        {
            var again = await vault.Tokens.TokenizeAsync(pan);
            Assert.Equal(token, again.Card.Token);
            Assert.False(again.Created);
        }
        var all = seeded.Concat(load.Created).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Assert.Equal(all.Count, all.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(all.Count, await Db.CountAsync(vault.ConnectionString, "cards", "deleted_at IS NULL"));
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "fingerprint_version", 2));
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 1)); // data keys untouched
        Assert.NotEqual(visaFingerprintBefore, await FingerprintAsync(vault, visaToken));
        await RotationKit.AssertEveryTokenOpensAsync(vault, all);

        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotateFingerprint, "started"));
        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotationCompleted));
    }

    [Fact]
    public async Task DataAndFingerprintRotations_RunTogether_AndBothComplete()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings(batchSize: 10) });
        var seeded = await RotationKit.SeedAsync(vault, Enumerable.Range(0, 30).Select(_ => SyntheticCards.Next()));
        await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        await vault.Keys().RotateFingerprintKeyAsync(new RotateKeyRequest());

        await RotationKit.WaitForCompleteAsync(vault, "data", 2);
        await RotationKit.WaitForCompleteAsync(vault, "fingerprint", 2);
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 2));
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "fingerprint_version", 2));
        await RotationKit.AssertEveryTokenOpensAsync(vault, seeded);
        foreach (var (token, pan) in seeded.Take(5)) Assert.Equal(token, (await vault.Tokens.TokenizeAsync(pan)).Card.Token);
        Assert.Equal(2, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotationCompleted));
    }

    private static async Task<string> FingerprintAsync(VaultServer vault, string token) =>
        Convert.ToHexString((await Db.ScalarAsync<byte[]>(vault.ConnectionString,
            "SELECT fingerprint FROM cards WHERE token = @t", ("t", token)))!);
}
