using System.Text;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Keys;

/// <summary>The master key is checked at start-up: a wrong key must stop the vault, never write unreadable rows.</summary>
public sealed class MasterKeyTests
{
    private static KeyConfigurationException AssertKeyError(Exception e) =>
        e as KeyConfigurationException
        ?? e.InnerException as KeyConfigurationException
        ?? throw new Xunit.Sdk.XunitException("expected KeyConfigurationException, got " + e);

    [Fact]
    public async Task Start_WithADifferentMasterKeyOnTheSameDatabase_FailsNamingTheKeys()
    {
        await using var first = await VaultServer.StartAsync();
        var token = (await first.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        var firstKeyId = first.GetRequiredService<MasterKey>().Id;
        await first.StopAsync();
        var other = first.GenerateKeyFile();

        var error = AssertKeyError(await VaultServer.StartExpectingFailureAsync(
            new VaultServerOptions { Database = first.Database, MasterKeyFile = other.Path }));

        Assert.Contains(other.KeyId, error.Message, StringComparison.Ordinal);
        Assert.Contains(firstKeyId, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Db.CountAsync(first.ConnectionString, "master_keys"));
        await AssertRefusalAuditedAsync(first.ConnectionString, other.KeyId, firstKeyId);

        // The right key still opens everything.
        await first.RestartAsync();
        var (_, pan) = await first.GetRequiredService<TokenVault>().OpenAsync(token, CancellationToken.None);
        using (pan) Assert.Equal(TestCards.Visa, Encoding.ASCII.GetString(pan.Span));
    }

    [Fact]
    public async Task Start_WithTheSameKeyIdButDifferentKeyMaterial_FailsOnTheCheckValue()
    {
        await using var first = await VaultServer.StartAsync();
        var master = first.GetRequiredService<MasterKey>();
        var (keyId, checkValue) = (master.Id, master.CheckValue);
        await first.StopAsync();
        var impostor = first.GenerateKeyFile(keyId);
        Assert.NotEqual(checkValue, impostor.CheckValue);

        var error = AssertKeyError(await VaultServer.StartExpectingFailureAsync(
            new VaultServerOptions { Database = first.Database, MasterKeyFile = impostor.Path }));

        Assert.Contains("check value", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(keyId, error.Message, StringComparison.Ordinal);
        Assert.Contains(checkValue, error.Message, StringComparison.Ordinal);
        await AssertRefusalAuditedAsync(first.ConnectionString, keyId, impostor.CheckValue);
    }

    /// <summary>
    /// PCI DSS 3.7.7: the substitution attempt is in the audit trail (presented key id, and what was wrong with it),
    /// chained like every record, before the vault refused to start.
    /// </summary>
    private static async Task AssertRefusalAuditedAsync(string connectionString, string presentedKeyId, string detailMentions)
    {
        var rows = await AuditRows.ReadAsync(connectionString,
            "action = 'key.master_refused' AND caller = 'vault' AND object_id = @id AND outcome = 'refused'", ("id", presentedKeyId));
        var row = Assert.Single(rows);
        Assert.Contains(detailMentions, row.Detail ?? "", StringComparison.Ordinal);
        var verdict = await AuditCli.VerifyAsync(connectionString);
        Assert.True(verdict.ExitCode == 0, verdict.ToString());
    }

    [Fact]
    public async Task Start_WithAKeyFileReadableByOthers_IsRefused_AndStoresNoKey()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var folder = new TempDirectory();
        var key = VaultServer.GenerateKeyFile(folder);
        if (OperatingSystem.IsWindows()) return; // Unix file modes only
        File.SetUnixFileMode(key.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = AssertKeyError(await VaultServer.StartExpectingFailureAsync(
            new VaultServerOptions { Database = database, MasterKeyFile = key.Path }));

        Assert.Contains("0600", error.Message, StringComparison.Ordinal);
        Assert.Contains("644", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await Db.CountAsync(database.ConnectionString, "master_keys"));
        Assert.Equal(0, await Db.CountAsync(database.ConnectionString, "key_versions"));
    }

    [Fact]
    public async Task Start_WithAMissingKeyFile_IsRefused()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var folder = new TempDirectory();

        var error = AssertKeyError(await VaultServer.StartExpectingFailureAsync(
            new VaultServerOptions { Database = database, MasterKeyFile = folder.File("absent.json") }));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_WithTheSameKey_KeepsTokensAndDedupe()
    {
        await using var server = await VaultServer.StartAsync();
        var token = (await server.Tokens.TokenizeAsync(TestCards.Discover)).Card.Token;

        await server.RestartAsync();

        var again = await server.Tokens.TokenizeAsync(TestCards.Discover);
        Assert.False(again.Created);
        Assert.Equal(token, again.Card.Token);
        var (_, pan) = await server.GetRequiredService<TokenVault>().OpenAsync(token, CancellationToken.None);
        using (pan) Assert.Equal(TestCards.Discover, Encoding.ASCII.GetString(pan.Span));
        Assert.Equal(1, await Db.CountAsync(server.ConnectionString, "key_versions", "purpose = 'data'"));
    }

    [Fact]
    public async Task Start_TwoServersAtOnceOnAFreshDatabase_BothStart_AndEachMigrationIsAppliedOnce()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var folder = new TempDirectory();
        var key = VaultServer.GenerateKeyFile(folder);
        var options = new VaultServerOptions { Database = database, MasterKeyFile = key.Path };

        var servers = await Task.WhenAll(VaultServer.StartAsync(options), VaultServer.StartAsync(options));
        await using var a = servers[0];
        await using var b = servers[1];

        var migrations = Migrator.LoadMigrations().Select(m => m.Version).ToArray();
        Assert.NotEmpty(migrations);
        Assert.Equal(migrations.Length, await Db.CountAsync(database.ConnectionString, "schema_migrations"));
        foreach (var version in migrations)
            Assert.Equal(1, await Db.CountAsync(database.ConnectionString, "schema_migrations", "version = @v", ("v", version)));
        Assert.Equal(1, await Db.CountAsync(database.ConnectionString, "master_keys"));
        Assert.Equal(1, await Db.CountAsync(database.ConnectionString, "key_versions", "purpose = 'data'"));
        Assert.Equal(1, await Db.CountAsync(database.ConnectionString, "key_versions", "purpose = 'fingerprint'"));

        // Both serve the same vault: a card tokenized on one is known to the other.
        var created = await a.Tokens.TokenizeAsync(TestCards.VisaDebit);
        var seen = await b.Tokens.GetTokenAsync(new GetTokenRequest { Token = created.Card.Token });
        var again = await b.Tokens.TokenizeAsync(TestCards.VisaDebit);
        Assert.Equal(created.Card.Token, seen.Token);
        Assert.Equal(created.Card.Token, again.Card.Token);
        Assert.False(again.Created);
    }
}
