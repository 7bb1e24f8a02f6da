using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Tests.Infrastructure;
using PayoutVault.Tests.Rotation;

namespace PayoutVault.Tests.Keys;

/// <summary>
/// AES-GCM with random nonces is safe for at most 2^32 encryptions per key. The vault counts them per data-key
/// version in the database (replicas reserve blocks), starts a data-key rotation past half the limit, and refuses to
/// encrypt under a version at the limit. The tests move the counter with SQL, as 2^31 tokenizations would take days.
/// </summary>
public sealed class DataKeyBudgetTests
{
    private static Task<long> ReservedAsync(VaultServer vault, int version) => Db.ScalarAsync<long>(vault.ConnectionString,
        "SELECT encryptions_reserved FROM key_versions WHERE purpose = 'data' AND version = @v", ("v", version));

    private static Task<int> ActiveDataVersionAsync(VaultServer vault) => Db.ScalarAsync<int>(vault.ConnectionString,
        "SELECT version FROM key_versions WHERE purpose = 'data' AND state = 'active'");

    private static Task SetReservedAsync(VaultServer vault, int version, long reserved) => Db.ExecuteAsync(vault.ConnectionString,
        "UPDATE key_versions SET encryptions_reserved = @r WHERE purpose = 'data' AND version = @v", ("r", reserved), ("v", version));

    [Fact]
    public async Task Encryptions_AreReservedInTheKeyRow_BeforeTheyAreUsed()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings(pollMs: 3_600_000) });
        // Start-up reserved the first block; tokenizing takes from it without another round trip.
        Assert.Equal(DataKeyBudget.BlockSize, await ReservedAsync(vault, 1));
        for (var i = 0; i < 3; i++) await vault.Tokens.TokenizeAsync(SyntheticCards.Next());
        Assert.Equal(DataKeyBudget.BlockSize, await ReservedAsync(vault, 1));

        // A second replica reserves a block of its own: the row counts every replica's encryptions.
        await using var replica = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = vault.Database, MasterKeyFile = vault.MasterKeyFile, Settings = RotationKit.Settings(pollMs: 3_600_000),
        });
        Assert.Equal(2L * DataKeyBudget.BlockSize, await ReservedAsync(vault, 1));
    }

    [Fact]
    public async Task PastHalfTheLimit_TheVaultRotatesTheDataKeyOnItsOwn()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings(pollMs: 200) });
        var before = await vault.Tokens.TokenizeAsync(SyntheticCards.Next());

        await SetReservedAsync(vault, 1, DataKeyBudget.RotateAt);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ActiveDataVersionAsync(vault) == 1 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(2, await ActiveDataVersionAsync(vault));
        await RotationKit.WaitForCompleteAsync(vault, "data", 2);
        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotateData, "started"));
        Assert.Equal("vault", await Db.ScalarAsync<string>(vault.ConnectionString,
            "SELECT caller FROM audit_log WHERE action = @a", ("a", AuditActions.KeyRotateData)));

        // New cards go under the new version, and the card sealed before reads back, re-encrypted.
        var pan = SyntheticCards.Next();
        var after = await vault.Tokens.TokenizeAsync(pan);
        Assert.Equal(2, await Db.ScalarAsync<int>(vault.ConnectionString,
            "SELECT data_key_version FROM cards WHERE token = @t", ("t", after.Card.Token)));
        Assert.Equal(0, await RotationKit.LiveCardsNotAtAsync(vault, "data_key_version", 2));
        Assert.NotEqual(before.Card.Token, after.Card.Token);
    }

    [Fact]
    public async Task AtTheLimit_NothingIsEncrypted_UntilTheDataKeyIsRotated()
    {
        var slow = RotationKit.Settings(pollMs: 3_600_000); // no automatic rotation within the test
        await using var first = await VaultServer.StartAsync(new VaultServerOptions { Settings = slow });
        var stored = (await first.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        await SetReservedAsync(first, 1, DataKeyBudget.Limit - 10);

        // A replica starting now cannot reserve a block without passing the limit: it encrypts nothing.
        await using var replica = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = first.Database, MasterKeyFile = first.MasterKeyFile, Settings = slow,
        });
        var cards = await Db.CountAsync(first.ConnectionString, "cards");
        var refused = await Assert.ThrowsAsync<RpcException>(() => replica.Tokens.TokenizeAsync(TestCards.Mastercard));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("encryption limit", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(cards, await Db.CountAsync(first.ConnectionString, "cards"));
        Assert.Equal(DataKeyBudget.Limit - 10, await ReservedAsync(first, 1)); // the refused block was not counted

        // Reading and paying out need no encryption: the card stored before still opens on the refusing replica.
        Assert.Equal("424242", (await replica.Tokens.GetTokenAsync(new GetTokenRequest { Token = stored })).Bin);

        await replica.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        var created = await replica.Tokens.TokenizeAsync(TestCards.Mastercard);
        Assert.True(created.Created);
        Assert.Equal(2, await Db.ScalarAsync<int>(first.ConnectionString,
            "SELECT data_key_version FROM cards WHERE token = @t", ("t", created.Card.Token)));
    }
}
