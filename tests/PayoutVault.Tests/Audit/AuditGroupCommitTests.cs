using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// Audited reads commit their records in groups: concurrent GetToken calls each get their own record, chained in
/// order, before their reply, while sharing transactions (fewer commits than records).
/// </summary>
public sealed class AuditGroupCommitTests : VaultTestBase
{
    [Fact]
    public async Task ConcurrentAuditedReads_EachGetARecordBeforeTheReply_InFewerTransactionsThanRecords()
    {
        var token = (await Server.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        const int calls = 200;

        await Task.WhenAll(Enumerable.Range(0, calls).Select(async i =>
        {
            var requestId = $"read-{i}";
            await Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = token },
                new Grpc.Core.Metadata { { "x-request-id", requestId } });
            // Written before the reply: the record is there the moment the call returns.
            Assert.Equal(1, await Db.CountAsync(Server.ConnectionString, "audit_log",
                "action = 'token.read' AND request_id = @r AND object_id = @t", ("r", requestId), ("t", token)));
        }));

        Assert.Equal(calls, await Db.CountAsync(Server.ConnectionString, "audit_log", "action = 'token.read'"));
        var transactions = await Db.ScalarAsync<long>(Server.ConnectionString,
            "SELECT count(DISTINCT xmin::text) FROM audit_log WHERE action = 'token.read'");
        Assert.InRange(transactions, 1, calls - 1);
        var verdict = await AuditCli.VerifyAsync(Server.ConnectionString);
        Assert.True(verdict.ExitCode == 0, verdict.ToString());
    }
}
