using Grpc.Core;
using Grpc.Health.V1;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;
using PayoutVault.Tests.Rotation;

namespace PayoutVault.Tests.Keys.Hsm;

/// <summary>
/// The token goes away while the vault runs under load, and comes back. Removal is real to SoftHSM2: the token's
/// folder is moved out of its token directory, after which SoftHSM2 answers the key's handle with
/// CKR_OBJECT_HANDLE_INVALID and, once re-initialised, lists no such token; moving the folder back and
/// re-initialising brings the same key back. Meanwhile readiness is NOT_SERVING, a rotation (which needs the token)
/// fails UNAVAILABLE and changes nothing, while tokenize and payouts keep working on the data keys already
/// unwrapped; afterwards readiness returns to SERVING by itself and rotation works again.
/// </summary>
[Collection(SoftHsmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HsmTokenRemovalTests
{
    [Fact]
    public async Task TokenRemovedAndReturned_UnderLoad_CachedKeysServe_NewKeyOperationsUnavailable_ThenRecovers()
    {
        var token = SoftHsm.CreateToken();
        var (label, _) = await HsmKit.InitKeyAsync(token);
        var settings = RotationKit.Settings();
        foreach (var (k, v) in token.VaultSettings(label)) settings[k] = v;
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = settings });
        var vault = env.Vault;
        var cards = await RotationKit.SeedAsync(vault, RotationKit.TestPans);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await HealthAsync(vault));

        await using var load = TrafficLoad.Start(vault, cards, env);
        await Task.Delay(300);
        var parked = Path.Combine(Path.GetDirectoryName(SoftHsm.TokenFolder)!, "parked-" + Path.GetFileName(token.Directory));
        Directory.Move(token.Directory, parked);
        try
        {
            await WaitForHealthAsync(vault, HealthCheckResponse.Types.ServingStatus.NotServing);
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest()));
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.Contains(label, refused.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(1, await Db.CountAsync(vault.ConnectionString, "key_versions", "purpose = 'data'"));
            await Task.Delay(500); // traffic keeps flowing on the cached keys while the token is away
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await HealthAsync(vault));
        }
        finally
        {
            if (Directory.Exists(parked)) Directory.Move(parked, token.Directory);
        }

        await WaitForHealthAsync(vault, HealthCheckResponse.Types.ServingStatus.Serving);
        await load.AssertCleanAsync(expectPayouts: true);
        await vault.Keys().RotateDataKeyAsync(new RotateKeyRequest());
        await RotationKit.WaitForCompleteAsync(vault, "data", 2);
        foreach (var (t, pan) in load.Created) cards[t] = pan;
        await RotationKit.AssertEveryTokenOpensAsync(vault, cards);
        Assert.Contains(vault.Logs.Entries, e => e.EventId.Id == 2101);
        Assert.Contains(vault.Logs.Entries, e => e.EventId.Id == 2102);
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(VaultServer vault) =>
        (await vault.Health.CheckAsync(new HealthCheckRequest())).Status;

    private static async Task WaitForHealthAsync(VaultServer vault, HealthCheckResponse.Types.ServingStatus expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await HealthAsync(vault) != expected)
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"readiness did not become {expected}");
            await Task.Delay(200);
        }
    }
}
