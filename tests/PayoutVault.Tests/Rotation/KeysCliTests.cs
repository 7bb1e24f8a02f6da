using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Rotation;

/// <summary>Tests that redirect Console run alone, so no other test's output lands in what they read.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console output";
}

[Collection(ConsoleCollection.Name)]
public sealed class KeysCliTests
{
    private static async Task<(int Code, string Output)> VaultctlAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        var capture = new StringWriter();
        Console.SetOut(capture);
        Console.SetError(capture);
        try
        {
            return (await VaultctlApp.RunAsync(["keys", .. args]), capture.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Fact]
    public async Task Vaultctl_KeysRotateStatusAndRewrap()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = RotationKit.Settings() });
        await RotationKit.SeedAsync(vault, RotationKit.TestPans);
        var url = vault.Address.ToString();
        var master = vault.GetRequiredService<MasterKey>();

        var (code, output) = await VaultctlAsync("rotate-data", "--vault", url, "--wait");
        Assert.True(code == 0, output);
        Assert.Contains("data -> v2: 4/4 cards (100%) complete", output, StringComparison.Ordinal);

        (code, output) = await VaultctlAsync("status", "--vault", url);
        Assert.True(code == 0, output);
        Assert.Contains($"master key {master.Id} (check value {master.CheckValue})", output, StringComparison.Ordinal);
        Assert.Contains("rotation data -> v2: 4/4 cards (100%) complete", output, StringComparison.Ordinal);
        Assert.Matches(@"data\s+v1\s+retired", output);
        Assert.Matches(@"data\s+v2\s+active", output);

        var newKey = vault.GenerateKeyFile();
        (code, output) = await VaultctlAsync("rewrap", "--pg", vault.ConnectionString, "--old-key", vault.MasterKeyFile, "--new-key", newKey.Path);
        Assert.True(code == 0, output);
        Assert.Contains($"re-wrapped 3 key versions from master key {master.Id} to {newKey.KeyId}", output, StringComparison.Ordinal);

        (code, output) = await VaultctlAsync("status", "--vault", url);
        Assert.Contains($"master key {newKey.KeyId} (check value {newKey.CheckValue})", output, StringComparison.Ordinal);

        // Re-running with the retired key is refused and changes nothing.
        var another = vault.GenerateKeyFile();
        (code, output) = await VaultctlAsync("rewrap", "--pg", vault.ConnectionString, "--old-key", vault.MasterKeyFile, "--new-key", another.Path);
        Assert.Equal(1, code);
        Assert.Contains("not the active master key", output, StringComparison.Ordinal);
        Assert.Equal(2, await Db.CountAsync(vault.ConnectionString, "master_keys"));

        Assert.Equal(1, await Db.CountAsync(vault.ConnectionString, "audit_log",
            "action = @a AND caller LIKE 'operator:%'", ("a", AuditActions.KeyRewrapMaster)));
        Assert.Equal(1, await RotationKit.AuditCountAsync(vault, AuditActions.KeyRotateData, "started"));
        Assert.True(await RotationKit.AuditCountAsync(vault, AuditActions.KeyStatusRead) >= 2);
    }

    [Fact]
    public void KeyService_EveryRpcRequiresKeysAdmin()
    {
        var declared = RpcPermissionMap.Declarations()
            .Where(d => d.Method.StartsWith("/payoutvault.v1.KeyService/", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, declared.Length);
        Assert.All(declared, d => Assert.Equal(Permissions.KeysAdmin, d.Permission));
    }
}
