using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Security;

/// <summary>One vault with mutual TLS on, shared by the tests of <see cref="MutualTlsTests"/>.</summary>
public sealed class MutualTlsFixture : IAsyncLifetime
{
    /// <summary>Identities whose certificates must be refused at the TLS layer. Each is granted EVERY permission,
    /// so if a bad certificate ever got through, its call would succeed and the test would say so.</summary>
    public static readonly string[] Refused =
        ["rogue-service", "expired-service", "early-service", "impostor-service", "server-eku-only", "leaf-issued"];

    private CertVault? _vault;

    public CertVault Vault => _vault ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var callers = new Dictionary<string, string[]>(CertVault.StandardCallers);
        foreach (var name in Refused) callers[name] = Permissions.All.ToArray();
        callers["cn-only-caller"] = [Permissions.TokensWrite];
        _vault = await CertVault.StartAsync(callers);
    }

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}

/// <summary>
/// Invariant 6 at the transport: a caller is a client certificate issued by the vault's CA and nothing else. No
/// certificate reaches the authorizer and is refused (UNAUTHENTICATED, audited); a certificate from another CA, an
/// expired or not-yet-valid one, a server-only one or one issued by a leaf never completes the TLS handshake, so
/// nothing about it reaches the vault's code or its audit trail. PCI DSS 8.2.1, 8.3.2.
/// </summary>
public sealed class MutualTlsTests(MutualTlsFixture fx) : IClassFixture<MutualTlsFixture>
{
    private CertVault V => fx.Vault;

    public static TheoryData<string> DeclaredRpcs()
    {
        var data = new TheoryData<string>();
        foreach (var (method, _) in RpcPermissionMap.Declarations()) data.Add(method);
        return data;
    }

    [Theory]
    [MemberData(nameof(DeclaredRpcs))]
    public async Task NoClientCertificate_IsUnauthenticated_AndAuditedBeforeTheReply(string rpc)
    {
        var channel = V.ChannelWith(null);

        var (code, detail) = await DynamicRpc.CallAsync(channel.CreateCallInvoker(), DynamicRpc.Describe(rpc));

        Assert.True(code == StatusCode.Unauthenticated, $"{rpc} without a client certificate answered {code} {detail}");
        var rows = await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthUnauthenticated, caller: "", objectId: rpc);
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("denied", r.Outcome));
    }

    [Fact]
    public async Task NoClientCertificate_HealthCheck_IsPublic()
    {
        var response = await new Health.HealthClient(V.ChannelWith(null)).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task GoodCaller_WithThePermission_Tokenizes_AndIsTheAuditedCaller()
    {
        var response = await V.Tokens("card-collector").TokenizeAsync(TestCards.Visa2);

        Assert.StartsWith("tok_", response.Card.Token, StringComparison.Ordinal);
        var row = Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.Tokenize, objectId: response.Card.Token));
        Assert.Equal("card-collector", row.Caller);
    }

    [Fact]
    public async Task GoodCertificate_NameNotGrantedAnything_IsPermissionDenied_AndAudited()
    {
        var ex = await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
            () => V.Tokens("stranger-service").TokenizeAsync(TestCards.Visa2));

        Assert.DoesNotContain(TestCards.Visa2, ex.Describe(), StringComparison.Ordinal);
        Assert.NotEmpty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthPermissionDenied, "stranger-service",
            "/payoutvault.v1.TokenService/Tokenize"));
    }

    [Fact]
    public async Task Identity_IsTheFirstDnsSan_NotTheCommonName()
    {
        // CN says payout-service (which may pay out); the SAN says auditor (which may not): the SAN decides.
        using var cert = V.Ca.IssueClient("payout-service", ["auditor", "payout-service"]);
        var client = new PayoutService.PayoutServiceClient(V.ChannelWith(cert));

        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
            () => client.CreatePayoutAsync(PayoutEnvironment.Request("tok_" + new string('a', 26))).ResponseAsync);

        var rows = await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthPermissionDenied, objectId: "/payoutvault.v1.PayoutService/CreatePayout");
        Assert.Contains(rows, r => r.Caller == "auditor");
        Assert.DoesNotContain(rows, r => r.Caller == "payout-service");
    }

    [Fact]
    public async Task Identity_IsTheCommonName_WhenThereIsNoDnsSan()
    {
        using var cert = V.Ca.IssueClient("cn-only-caller", dnsNames: []);
        var response = await new TokenService.TokenServiceClient(V.ChannelWith(cert)).TokenizeAsync(TestCards.Mastercard);

        var row = Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.Tokenize, objectId: response.Card.Token));
        Assert.Equal("cn-only-caller", row.Caller);
    }

    [Fact]
    public async Task CertificateWithNoName_IsPermissionDenied_AndAuditedWithAnEmptyCaller()
    {
        using var cert = V.Ca.IssueClient(commonName: null, dnsNames: []);
        var client = new KeyService.KeyServiceClient(V.ChannelWith(cert));

        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied, () => client.GetKeyStatusAsync(new GetKeyStatusRequest()).ResponseAsync);

        Assert.NotEmpty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.AuthPermissionDenied, "", "/payoutvault.v1.KeyService/GetKeyStatus"));
    }

    [Fact]
    public async Task CertificateFromAnotherCa_FailsTheHandshake()
    {
        using var otherCa = CertAuthority.Create("Some Other CA");
        using var cert = otherCa.IssueClient("rogue-service");
        await AssertHandshakeRefusedAsync(cert, "rogue-service");
    }

    [Fact]
    public async Task CertificateFromAnImpostorCaWithTheSameName_FailsTheHandshake()
    {
        // Same subject as the vault's CA, different key: names prove nothing, signatures do.
        using var impostor = CertAuthority.Create(V.Ca.Certificate.GetNameInfo(X509NameType.SimpleName, false));
        using var cert = impostor.IssueClient("impostor-service");
        Assert.Equal(V.Ca.Certificate.Subject, impostor.Certificate.Subject);
        await AssertHandshakeRefusedAsync(cert, "impostor-service");
    }

    [Fact]
    public async Task ExpiredCertificate_FailsTheHandshake()
    {
        var now = DateTimeOffset.UtcNow;
        using var cert = V.Ca.IssueClient("expired-service", notBefore: now.AddDays(-30), notAfter: now.AddMinutes(-5));
        await AssertHandshakeRefusedAsync(cert, "expired-service");
    }

    [Fact]
    public async Task NotYetValidCertificate_FailsTheHandshake()
    {
        var now = DateTimeOffset.UtcNow;
        using var cert = V.Ca.IssueClient("early-service", notBefore: now.AddDays(1), notAfter: now.AddDays(30));
        await AssertHandshakeRefusedAsync(cert, "early-service");
    }

    [Fact]
    public async Task CertificateForServerAuthenticationOnly_FailsTheHandshake()
    {
        using var cert = V.Ca.IssueClient("server-eku-only", ekus: [CertAuthority.ServerAuthOid]);
        await AssertHandshakeRefusedAsync(cert, "server-eku-only");
    }

    [Fact]
    public async Task CertificateIssuedByAnotherCallersLeaf_FailsTheHandshake_EvenWithTheLeafSentAlong()
    {
        // A legitimate caller uses its own (non-CA) certificate to mint a new identity and presents the whole chain.
        var leaf = V.ClientCertificate("card-collector");
        using var minted = CertAuthority.IssueUnderLeaf(leaf, "leaf-issued");
        await AssertHandshakeRefusedAsync(minted, "leaf-issued",
            new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(leaf.RawData)));
    }

    /// <summary>The call fails at the transport, the vault stays healthy for good callers, and the refused
    /// identity (granted every permission) appears nowhere in the audit trail and changed nothing.</summary>
    private async Task AssertHandshakeRefusedAsync(X509Certificate2 cert, string name, X509Certificate2Collection? chain = null)
    {
        var cardsBefore = await Db.CountAsync(V.ConnectionString, "cards");
        var channel = V.ChannelWith(cert, chain);

        await RpcErrors.ExpectTransportRefusalAsync(() => new TokenService.TokenServiceClient(channel).TokenizeAsync(TestCards.Mir));
        await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest()).ResponseAsync);

        Assert.Equal(cardsBefore, await Db.CountAsync(V.ConnectionString, "cards"));
        var mentions = await AuditRows.ReadAsync(V.ConnectionString,
            "caller = @name OR position(@name in coalesce(detail, '')) > 0 OR position(@name in coalesce(object_id, '')) > 0", ("name", name));
        Assert.True(mentions.Count == 0, "the refused identity reached the audit trail:\n" + AuditRows.Describe(mentions));

        // The refusal was the certificate's, not the vault's: a good caller still gets through.
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => V.Tokens("auditor").GetTokenAsync(new GetTokenRequest { Token = "tok_" + new string('b', 26) }).ResponseAsync);
    }
}
