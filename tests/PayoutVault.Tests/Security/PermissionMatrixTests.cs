using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Security;

/// <summary>
/// A mutual-TLS vault (reflection on) with, for every permission P, a caller "without-P" holding every permission
/// except P and a caller "only-P" holding just P, plus the standard service identities.
/// </summary>
public sealed class PermissionMatrixFixture : IAsyncLifetime
{
    private CertVault? _vault;

    public CertVault Vault => _vault ?? throw new InvalidOperationException("not started");

    public static string Without(string permission) => "without-" + permission.Replace('.', '-');

    public static string Only(string permission) => "only-" + permission.Replace('.', '-');

    public async Task InitializeAsync()
    {
        var callers = new Dictionary<string, string[]>(CertVault.StandardCallers);
        foreach (var p in Permissions.All)
        {
            callers[Without(p)] = Permissions.All.Where(x => x != p).ToArray();
            callers[Only(p)] = [p];
        }
        _vault = await CertVault.StartAsync(callers, settings: new Dictionary<string, string> { ["Vault:Grpc:EnableReflection"] = "true" });
    }

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}

/// <summary>
/// Identity x RPC: every RPC the vault implements is refused (PERMISSION_DENIED, audited with caller, method and the
/// missing permission, nothing changed) to a caller holding every permission but its own, and is let through to a
/// caller holding only its own. PCI DSS 7.2.1/7.2.2, 7.3.1/7.3.3, 10.2.1.
/// </summary>
public sealed class PermissionMatrixTests(PermissionMatrixFixture fx) : IClassFixture<PermissionMatrixFixture>
{
    private CertVault V => fx.Vault;

    private static readonly string[] ReflectionRpcs =
    [
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ];

    /// <summary>Every implemented RPC with its declared permission, plus the reflection service the vault can serve.</summary>
    public static TheoryData<string, string> ProtectedRpcs()
    {
        var data = new TheoryData<string, string>();
        foreach (var (method, permission) in RpcPermissionMap.Declarations())
            data.Add(method, permission ?? throw new Xunit.Sdk.XunitException($"{method} declares no permission"));
        foreach (var method in ReflectionRpcs) data.Add(method, Permissions.ReflectionRead);
        return data;
    }

    [Theory]
    [MemberData(nameof(ProtectedRpcs))]
    public async Task CallerWithEveryPermissionButTheRpcs_IsRefused_Audited_AndNothingChanges(string rpc, string permission)
    {
        var caller = PermissionMatrixFixture.Without(permission);
        var before = await SnapshotAsync();

        var (code, detail) = await DynamicRpc.CallAsync(V.Channel(caller).CreateCallInvoker(), DynamicRpc.Describe(rpc));

        Assert.True(code == StatusCode.PermissionDenied, $"{caller} on {rpc}: expected PermissionDenied, got {code} {detail}");
        Assert.Contains(permission, detail, StringComparison.Ordinal);
        var rows = await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthPermissionDenied, caller, rpc);
        Assert.True(rows.Count > 0, $"no {AuditActions.AuthPermissionDenied} record for {caller} on {rpc}");
        Assert.All(rows, r => Assert.Equal(("denied", permission), (r.Outcome, r.Detail)));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(ProtectedRpcs))]
    public async Task CallerHoldingOnlyTheRpcsPermission_GetsPastAuthorization(string rpc, string permission)
    {
        var caller = PermissionMatrixFixture.Only(permission);

        var (code, detail) = await DynamicRpc.CallAsync(V.Channel(caller).CreateCallInvoker(), DynamicRpc.Describe(rpc));

        Assert.True(code is not (StatusCode.PermissionDenied or StatusCode.Unauthenticated),
            $"{caller} holds {permission} but {rpc} answered {code} {detail}");
        Assert.Empty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthPermissionDenied, caller, rpc));
    }

    [Theory]
    [MemberData(nameof(ProtectedRpcs))]
    public async Task NoClientCertificate_IsUnauthenticated(string rpc, string permission)
    {
        _ = permission;
        var (code, detail) = await DynamicRpc.CallAsync(V.ChannelWith(null).CreateCallInvoker(), DynamicRpc.Describe(rpc));
        Assert.True(code == StatusCode.Unauthenticated, $"{rpc} without a certificate answered {code} {detail}");
        Assert.NotEmpty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthUnauthenticated, "", rpc));
    }

    [Fact]
    public async Task CallerWithoutPayoutsCreate_IsRefusedOnCreatePayout_WithAnAuditRecord_AndNoPayoutRow()
    {
        const string rpc = "/payoutvault.v1.PayoutService/CreatePayout";
        var token = (await V.Tokens("card-collector").TokenizeAsync(TestCards.Visa)).Card.Token;
        var request = PayoutEnvironment.Request(token);

        var ex = await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
            () => V.PayoutClient("auditor").CreatePayoutAsync(request).ResponseAsync);

        Assert.Contains(Permissions.PayoutsCreate, ex.Status.Detail, StringComparison.Ordinal);
        var row = Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthPermissionDenied, "auditor", rpc));
        Assert.Equal(Permissions.PayoutsCreate, row.Detail);
        Assert.Equal(0, await Db.CountAsync(V.ConnectionString, "payouts", "idempotency_key = @k", ("k", request.IdempotencyKey)));
        Assert.Empty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutDetokenize, "auditor"));
    }

    [Fact]
    public async Task StandardIdentities_HoldOnlyWhatTheirJobNeeds()
    {
        // The card collector cannot pay out; the payout service cannot tokenize or delete; nobody but key-admin rotates.
        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
            () => V.PayoutClient("card-collector").CreatePayoutAsync(PayoutEnvironment.Request("tok_" + new string('c', 26))).ResponseAsync);
        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied, () => V.Tokens("payout-service").TokenizeAsync(TestCards.Visa));
        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
            () => V.Tokens("payout-service").DeleteTokenAsync(new DeleteTokenRequest { Token = "tok_" + new string('c', 26) }).ResponseAsync);
        foreach (var caller in new[] { "card-collector", "payout-service", "auditor" })
            await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
                () => V.Keys(caller).RotateDataKeyAsync(new RotateKeyRequest()).ResponseAsync);
        Assert.NotNull(await V.Keys("key-admin").GetKeyStatusAsync(new GetKeyStatusRequest()));
    }

    [Fact]
    public void EveryEndpointTheVaultServes_IsInThePermissionMap()
    {
        var map = V.Vault.GetRequiredService<RpcPermissionMap>();
        var served = ((IEndpointRouteBuilder)V.Vault.App).DataSources.SelectMany(d => d.Endpoints)
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method)
            .Where(m => m is not null && !m.ServiceName.Contains('{', StringComparison.Ordinal) && !m.Name.Contains('{', StringComparison.Ordinal))
            .Select(m => m!.FullName)
            .Distinct()
            .ToArray();

        Assert.NotEmpty(served);
        var unmapped = served.Where(m => map.For(m) is null).ToArray();
        Assert.True(unmapped.Length == 0, "served but not in the permission map (denied to all, but undeclared): " + string.Join(", ", unmapped));
        foreach (var (method, _) in RpcPermissionMap.Declarations()) Assert.Contains(method, served);
        foreach (var method in ReflectionRpcs) Assert.Contains(method, served);
        // Only the health probe is public.
        Assert.All(served.Where(m => map.For(m) == RpcPermissionMap.Public), m => Assert.StartsWith("/grpc.health.v1.Health/", m, StringComparison.Ordinal));
    }

    private async Task<(long Cards, long Live, long Payouts, long KeyVersions, long Rotations)> SnapshotAsync() =>
        (await Db.CountAsync(V.ConnectionString, "cards"),
         await Db.CountAsync(V.ConnectionString, "cards", "deleted_at IS NULL"),
         await Db.CountAsync(V.ConnectionString, "payouts"),
         await Db.CountAsync(V.ConnectionString, "key_versions"),
         await Db.CountAsync(V.ConnectionString, "key_rotations"));
}
