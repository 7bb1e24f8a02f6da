using Grpc.Core;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Compliance;

/// <summary>
/// Evidence for statements of the compliance pack that no other test pins: a graceful stop of a vault process is in
/// the audit trail (PCI DSS 10.2.1.6, logging-and-audit.md); a client certificate that names itself "anonymous"
/// cannot claim the grants of the development switch's caller (8.2.1, access-control.md); and a stopping replica
/// ends its payout streams with UNAVAILABLE so subscribers resume from their last cursor (data-flows.md).
/// </summary>
public sealed class LifecycleAndIdentityEvidenceTests
{
    [Fact]
    public async Task VaultStop_Graceful_IsAudited_AfterItsStart_AndTheTrailStaysIntact()
    {
        await using var vault = await VaultServer.StartAsync();
        var connectionString = vault.ConnectionString;

        await vault.StopAsync();

        var started = Assert.Single(await AuditRows.ForAsync(connectionString, AuditActions.VaultStarted, "vault"));
        var stopped = Assert.Single(await AuditRows.ForAsync(connectionString, AuditActions.VaultStopped, "vault"));
        Assert.Equal("ok", stopped.Outcome);
        Assert.True(stopped.Seq > started.Seq, $"stop record {stopped.Seq} is not after the start record {started.Seq}");
        var verdict = AuditVerifier.Verify(await AuditTrailReader.FromDatabaseAsync(connectionString));
        Assert.True(verdict.Intact, verdict.ToString());
    }

    [Fact]
    public async Task CertificateNamedAnonymous_GetsNoGrants_EvenWhenAnonymousIsConfigured_AndIsAuditedWithAnEmptyCaller()
    {
        const string rpc = "/payoutvault.v1.TokenService/Tokenize";
        var callers = new Dictionary<string, string[]>(CertVault.StandardCallers)
        {
            [CallerIdentity.Anonymous] = [Permissions.TokensWrite, Permissions.TokensRead],
        };
        await using var v = await CertVault.StartAsync(callers);

        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied, () => v.Tokens(CallerIdentity.Anonymous).TokenizeAsync(TestCards.Visa));

        Assert.Empty(await AuditRows.ForAsync(v.ConnectionString, AuditActions.Tokenize));
        var denied = Assert.Single(await AuditRows.ForAsync(v.ConnectionString, AuditActions.AuthPermissionDenied, "", rpc));
        Assert.Equal("denied", denied.Outcome);
        Assert.Equal(0, await Db.CountAsync(v.ConnectionString, "cards"));

        // The same CA's certificate for a real identity still works: the refusal is about the name, not the chain.
        await v.Tokens("card-collector").TokenizeAsync(TestCards.Visa);
    }

    [Fact]
    public async Task StoppingReplica_EndsOpenStreams_WithUnavailable_NotAsANormalEnd()
    {
        await using var vault = await VaultServer.StartAsync();
        // A channel of its own: the server's channel is disposed by StopAsync, which would cancel the call client-side.
        using var channel = GrpcChannel.ForAddress(vault.Address);
        using var call = new PayoutService.PayoutServiceClient(channel).WatchPayouts(new WatchPayoutsRequest { FromCursor = 0 });
        var reading = Task.Run(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });

        // Subscribed once its payout.watch record is written (before the first message).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await AuditRows.ForAsync(vault.ConnectionString, AuditActions.PayoutWatch)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the WatchPayouts subscription was never audited");
            await Task.Delay(50);
        }

        await vault.StopAsync();

        var ended = await Assert.ThrowsAsync<RpcException>(() => reading.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("last cursor", ended.Status.Detail, StringComparison.Ordinal);
    }
}
