using Npgsql;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Rotation;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Rotation;

/// <summary>
/// Master-key re-wrap with zero downtime: replicas configured with the new key (and the old one as previous) start
/// before the switch, running replicas keep their unwrapped keys, and afterwards only the new key starts a vault.
/// </summary>
public sealed class MasterKeyRewrapTests
{
    private static KeyConfigurationException KeyError(Exception e) =>
        e as KeyConfigurationException ?? e.InnerException as KeyConfigurationException
        ?? throw new Xunit.Sdk.XunitException("expected KeyConfigurationException, got " + e);

    private static Task<MasterKeyRewrap.Result> RewrapAsync(VaultServer vault, string oldKeyFile, string newKeyFile)
    {
        var oldKey = MasterKeyFile.Load(oldKeyFile);
        var newKey = MasterKeyFile.Load(newKeyFile);
        return RunAndDispose();

        async Task<MasterKeyRewrap.Result> RunAndDispose()
        {
            using (oldKey)
            using (newKey)
            {
                await using var dataSource = NpgsqlDataSource.Create(vault.ConnectionString);
                return await MasterKeyRewrap.RunAsync(dataSource, oldKey, newKey,
                    new AuditLog(dataSource, TimeProvider.System), new AuditContext("operator:test", null), CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Rewrap_WhileReplicasServe_NoCallFails_ThenOnlyTheNewKeyStartsAVault()
    {
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = RotationKit.Settings() });
        var a = env.Vault;
        var oldKeyFile = a.MasterKeyFile;
        var oldId = a.GetRequiredService<MasterKey>().Id;
        var newKey = a.GenerateKeyFile();

        // Before the switch: a replica with the new key, and the old one as previous, starts on the old hierarchy.
        var settingsB = RotationKit.Settings();
        settingsB[PreviousMasterKeys.ConfigurationKey + ":0"] = oldKeyFile;
        await using var b = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = a.Database, MasterKeyFile = newKey.Path, Settings = settingsB,
        });

        var seeded = await RotationKit.SeedAsync(a, RotationKit.TestPans.Concat(Enumerable.Range(0, 30).Select(_ => SyntheticCards.Next())));
        await using var loadA = TrafficLoad.Start(a, seeded, env);
        await using var loadB = TrafficLoad.Start(b, seeded, tokenizers: 1);
        await Task.Delay(300);

        var result = await RewrapAsync(a, oldKeyFile, newKey.Path);
        Assert.Equal(2, result.KeyVersions); // data v1 and fingerprint v1
        await Task.Delay(500);
        await loadA.AssertCleanAsync(expectPayouts: true);
        await loadB.AssertCleanAsync(expectPayouts: false);

        Assert.Equal(newKey.KeyId, await Db.ScalarAsync<string>(a.ConnectionString, "SELECT key_id FROM master_keys WHERE state = 'active'"));
        Assert.Equal(newKey.CheckValue, await Db.ScalarAsync<string>(a.ConnectionString, "SELECT check_value FROM master_keys WHERE state = 'active'"));
        Assert.Equal("retired", await Db.ScalarAsync<string>(a.ConnectionString, "SELECT state FROM master_keys WHERE key_id = @k", ("k", oldId)));
        Assert.Equal(0, await Db.CountAsync(a.ConnectionString, "key_versions", "master_key_id <> @k", ("k", newKey.KeyId)));
        Assert.Equal(1, await RotationKit.AuditCountAsync(a, AuditActions.KeyRewrapMaster, "rewrapped"));
        var status = await b.Keys().GetKeyStatusAsync(new GetKeyStatusRequest());
        Assert.Equal((newKey.KeyId, newKey.CheckValue), (status.MasterKeyId, status.MasterKeyCheckValue));
        Assert.All(status.Versions, v => Assert.Equal(newKey.KeyId, v.MasterKeyId));

        var all = seeded.Concat(loadA.Created).Concat(loadB.Created).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        await RotationKit.AssertEveryTokenOpensAsync(a, all);
        await RotationKit.AssertEveryTokenOpensAsync(b, all);

        // After the switch the old key alone is an unknown key: start-up fails hard, naming both keys.
        var error = KeyError(await Assert.ThrowsAnyAsync<Exception>(() => a.RestartAsync(oldKeyFile)));
        Assert.Contains(oldId, error.Message, StringComparison.Ordinal);
        Assert.Contains(newKey.KeyId, error.Message, StringComparison.Ordinal);

        // The new key alone starts, reads everything, pays out, and wraps the next rotation's key.
        await a.RestartAsync(newKey.Path);
        await RotationKit.AssertEveryTokenOpensAsync(a, all);
        var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(seeded.Keys.First()));
        Assert.Equal(PayoutState.Succeeded, (await env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded)).State);
        await a.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        await RotationKit.WaitForCompleteAsync(a, "data", 2);
        Assert.Equal(newKey.KeyId, await Db.ScalarAsync<string>(a.ConnectionString,
            "SELECT master_key_id FROM key_versions WHERE purpose = 'data' AND version = 2"));
        await RotationKit.AssertEveryTokenOpensAsync(b, all);
    }

    private static async Task<string> KeyTablesAsync(VaultServer vault) =>
        string.Join('\n', (await Db.DumpAllAsync(vault.ConnectionString)).Split('\n')
            .Where(line => line.StartsWith("master_keys:", StringComparison.Ordinal) || line.StartsWith("key_versions:", StringComparison.Ordinal)));

    [Fact]
    public async Task Rewrap_WithTheWrongOldKey_OrAReusedKeyId_ChangesNothing()
    {
        await using var vault = await VaultServer.StartAsync();
        await RotationKit.SeedAsync(vault, [TestCards.Visa]);
        var id = vault.GetRequiredService<MasterKey>().Id;
        var before = await KeyTablesAsync(vault);
        var newKey = vault.GenerateKeyFile();

        var impostor = vault.GenerateKeyFile(id); // same id, other material
        Assert.Contains("check value", KeyError(await Assert.ThrowsAnyAsync<Exception>(
            () => RewrapAsync(vault, impostor.Path, newKey.Path))).Message, StringComparison.Ordinal);
        var stranger = vault.GenerateKeyFile();
        Assert.Contains("not the active master key", KeyError(await Assert.ThrowsAnyAsync<Exception>(
            () => RewrapAsync(vault, stranger.Path, newKey.Path))).Message, StringComparison.Ordinal);
        Assert.Contains("new key id", KeyError(await Assert.ThrowsAnyAsync<Exception>(
            () => RewrapAsync(vault, vault.MasterKeyFile, vault.MasterKeyFile))).Message, StringComparison.Ordinal);

        Assert.Equal(before, await KeyTablesAsync(vault));
        Assert.Equal(0, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRewrapMaster));
    }

    [Fact]
    public async Task Start_WithAnUnknownMasterKey_FailsHard_EvenWithPreviousKeysConfigured()
    {
        await using var vault = await VaultServer.StartAsync();
        var activeId = vault.GetRequiredService<MasterKey>().Id;
        await vault.StopAsync();
        var other = vault.GenerateKeyFile();
        var another = vault.GenerateKeyFile();

        var error = KeyError(await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Database = vault.Database, MasterKeyFile = other.Path,
            Settings = new Dictionary<string, string> { [PreviousMasterKeys.ConfigurationKey + ":0"] = another.Path },
        }));
        Assert.Contains(activeId, error.Message, StringComparison.Ordinal);
        Assert.Contains(PreviousMasterKeys.ConfigurationKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Db.CountAsync(vault.ConnectionString, "master_keys"));
    }
}
