using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Tests.Infrastructure;
using PayoutVault.Tests.Rotation;

namespace PayoutVault.Tests.Keys.Hsm;

/// <summary>
/// Moving the key hierarchy into the HSM and back out (disaster recovery) with `vaultctl keys rewrap`, online: a
/// replica already configured with the next key (the current one as previous) runs beside the old one while traffic
/// flows, every card opens on both before and after each move, and only the new key starts a vault afterwards.
/// </summary>
[Collection(SoftHsmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HsmRewrapTests
{
    [Fact]
    public async Task Rewrap_FileToHsmToFile_WhileReplicasServe_KeepsEveryCardReadable()
    {
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = RotationKit.Settings() });
        var a = env.Vault;
        var fileKey = a.MasterKeyFile;
        var fileKeyId = a.GetRequiredService<IMasterKey>().Id;
        var token = SoftHsm.CreateToken();
        var (label, checkValue) = await HsmKit.InitKeyAsync(token);
        var cards = await RotationKit.SeedAsync(a, RotationKit.TestPans.Concat(Enumerable.Range(0, 20).Select(_ => SyntheticCards.Next())));

        // File -> HSM. Replica B runs on the HSM key with the key file as previous, before the switch.
        var settingsB = RotationKit.Settings();
        foreach (var (k, v) in token.VaultSettings(label)) settingsB[k] = v;
        settingsB[PreviousMasterKeys.ConfigurationKey + ":0"] = fileKey;
        await using var b = await VaultServer.StartAsync(new VaultServerOptions { Database = a.Database, Settings = settingsB });
        await using (var loadA = TrafficLoad.Start(a, cards, env))
        await using (var loadB = TrafficLoad.Start(b, cards, tokenizers: 1))
        {
            await Task.Delay(300);
            var moved = await AuditCli.RunAsync(["keys", "rewrap", "--pg", a.ConnectionString, "--old-key", fileKey,
                "--new-hsm-key", label, .. token.CliArgs()]);
            Assert.True(moved.ExitCode == 0, moved.ToString());
            Assert.Contains($"from master key {fileKeyId} to {label} (check value {checkValue})", moved.Output, StringComparison.Ordinal);
            await Task.Delay(500);
            await loadA.AssertCleanAsync(expectPayouts: true);
            await loadB.AssertCleanAsync(expectPayouts: false);
            foreach (var (t, pan) in loadA.Created.Concat(loadB.Created)) cards[t] = pan;
        }
        Assert.Equal(0, await Db.CountAsync(a.ConnectionString, "key_versions", "master_key_id <> @k", ("k", label)));
        await RotationKit.AssertEveryTokenOpensAsync(a, cards);
        await RotationKit.AssertEveryTokenOpensAsync(b, cards);

        // The key file alone no longer starts a vault; the HSM key alone does, and wraps the next rotation.
        Assert.Contains(label, HsmKit.KeyError(await Assert.ThrowsAnyAsync<Exception>(() => a.RestartAsync(fileKey))).Message,
            StringComparison.Ordinal);
        await b.StopAsync();
        await using var hsmOnly = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = a.Database, Settings = new Dictionary<string, string>(token.VaultSettings(label).Concat(RotationKit.Settings())),
        });
        await RotationKit.AssertEveryTokenOpensAsync(hsmOnly, cards);
        await hsmOnly.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        await RotationKit.WaitForCompleteAsync(hsmOnly, "data", 2);
        Assert.Equal(label, await Db.ScalarAsync<string>(a.ConnectionString,
            "SELECT master_key_id FROM key_versions WHERE purpose = 'data' AND version = 2"));

        // HSM -> file, for disaster recovery. Replica C runs on a new key file with the HSM key as previous.
        var recovery = a.GenerateKeyFile();
        var settingsC = new Dictionary<string, string>
        {
            [PreviousMasterKeys.Pkcs11ConfigurationKey + ":ModulePath"] = SoftHsm.ModulePath,
            [PreviousMasterKeys.Pkcs11ConfigurationKey + ":TokenLabel"] = token.Label,
            [PreviousMasterKeys.Pkcs11ConfigurationKey + ":PinFile"] = token.PinFile,
            [PreviousMasterKeys.Pkcs11ConfigurationKey + ":KeyLabel"] = label,
        };
        await using var c = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = a.Database, MasterKeyFile = recovery.Path, Settings = settingsC,
        });
        await using (var loadC = TrafficLoad.Start(c, cards, tokenizers: 1))
        await using (var loadHsm = TrafficLoad.Start(hsmOnly, cards, tokenizers: 1))
        {
            await Task.Delay(300);
            var back = await AuditCli.RunAsync(["keys", "rewrap", "--pg", a.ConnectionString, "--old-hsm-key", label,
                "--new-key", recovery.Path, .. token.CliArgs()]);
            Assert.True(back.ExitCode == 0, back.ToString());
            Assert.Contains($"re-wrapped 3 key versions from master key {label} to {recovery.KeyId}", back.Output, StringComparison.Ordinal);
            await Task.Delay(500);
            await loadC.AssertCleanAsync(expectPayouts: false);
            await loadHsm.AssertCleanAsync(expectPayouts: false);
            foreach (var (t, pan) in loadC.Created.Concat(loadHsm.Created)) cards[t] = pan;
        }
        await hsmOnly.StopAsync();
        await c.StopAsync();
        await a.RestartAsync(recovery.Path);
        await RotationKit.AssertEveryTokenOpensAsync(a, cards);
        Assert.Equal(2, await RotationKit.AuditCountAsync(a, AuditActions.KeyRewrapMaster, "rewrapped"));
        Assert.Equal("retired", await Db.ScalarAsync<string>(a.ConnectionString, "SELECT state FROM master_keys WHERE key_id = @k", ("k", label)));
    }
}
