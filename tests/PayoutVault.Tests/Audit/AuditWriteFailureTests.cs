using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// If the audit write fails, the call fails and changes nothing (invariant 7, PCI DSS 10.2.1, 10.7.2): with a
/// trigger that makes every audit insert raise, tokenize stores no card, reads return nothing, delete keeps the
/// card, a payout is neither stored nor sent, and refusals answer UNAVAILABLE. Once audit works again, so does the
/// vault, and the chain is intact.
/// </summary>
public sealed class AuditWriteFailureTests : IAsyncLifetime
{
    private CertVault _v = null!;

    public async Task InitializeAsync() => _v = await CertVault.StartAsync(payouts: true);

    public async Task DisposeAsync() => await _v.DisposeAsync();

    private string Conn => _v.ConnectionString;

    private async Task BreakAuditAsync(string? onlyAction = null)
    {
        var condition = onlyAction is null ? "true" : $"NEW.action = '{onlyAction}'";
        await Db.ExecuteAsync(Conn, $$"""
            CREATE FUNCTION pv_test_audit_down() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
                IF {{condition}} THEN RAISE EXCEPTION 'audit storage is down (test)'; END IF;
                RETURN NEW;
            END $f$;
            CREATE TRIGGER pv_test_audit_down BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION pv_test_audit_down();
            """);
    }

    private Task RepairAuditAsync() => Db.ExecuteAsync(Conn,
        "DROP TRIGGER IF EXISTS pv_test_audit_down ON audit_log; DROP FUNCTION IF EXISTS pv_test_audit_down();");

    private static async Task<RpcException> FailsAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        return ex;
    }

    [Fact]
    public async Task AuditDown_EveryCallFails_AndNothingChanges_ThenRecovers()
    {
        var token = (await _v.Tokens("card-collector").TokenizeAsync(TestCards.Visa)).Card.Token;
        var cards = await Db.CountAsync(Conn, "cards");
        var auditHead = await AuditRows.HeadAsync(Conn);
        await BreakAuditAsync();
        try
        {
            var tokenize = await FailsAsync(() => _v.Tokens("card-collector").TokenizeAsync(TestCards.Mastercard));
            Assert.Equal(cards, await Db.CountAsync(Conn, "cards"));
            Assert.DoesNotContain(TestCards.Mastercard, tokenize.Describe(), StringComparison.Ordinal);

            await FailsAsync(() => _v.Tokens("payout-service").GetTokenAsync(new GetTokenRequest { Token = token }).ResponseAsync);

            await FailsAsync(() => _v.Tokens("card-collector").DeleteTokenAsync(new DeleteTokenRequest { Token = token }).ResponseAsync);
            Assert.Equal(1, await Db.CountAsync(Conn, "cards", "token = @t AND deleted_at IS NULL", ("t", token)));

            var request = PayoutEnvironment.Request(token);
            await FailsAsync(() => _v.PayoutClient("payout-service").CreatePayoutAsync(request).ResponseAsync);
            Assert.Equal(0, await Db.CountAsync(Conn, "payouts"));
            Assert.Empty(await _v.Payouts.Sandbox.PayoutCountsAsync());

            // Refusals must be recorded too: when they cannot be, the caller learns the vault is unavailable.
            await RpcErrors.ExpectAsync(StatusCode.Unavailable,
                () => _v.PayoutClient("auditor").CreatePayoutAsync(request).ResponseAsync);
            await RpcErrors.ExpectAsync(StatusCode.Unavailable,
                () => new TokenService.TokenServiceClient(_v.ChannelWith(null)).GetTokenAsync(new GetTokenRequest { Token = token }).ResponseAsync);

            Assert.Equal(auditHead, await AuditRows.HeadAsync(Conn));
        }
        finally
        {
            await RepairAuditAsync();
        }

        // Nothing was left half-done: the vault works again and the trail verifies.
        var again = await _v.Tokens("card-collector").TokenizeAsync(TestCards.Mastercard);
        Assert.Equal(cards + 1, await Db.CountAsync(Conn, "cards")); // stored now, not during the outage
        Assert.Single(await AuditRows.ForAsync(Conn, AuditActions.Tokenize, "card-collector", again.Card.Token));
        var verify = await AuditCli.VerifyAsync(Conn);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public async Task DetokenizeAuditDown_PayoutIsNotSentToTheBank()
    {
        // The detokenization record is written before the card number is decrypted: if it fails, nothing is sent.
        var token = (await _v.Tokens("card-collector").TokenizeAsync(TestCards.Visa2)).Card.Token;
        await BreakAuditAsync(AuditActions.PayoutDetokenize);
        try
        {
            await FailsAsync(() => _v.PayoutClient("payout-service").CreatePayoutAsync(PayoutEnvironment.Request(token)).ResponseAsync);

            Assert.Empty(await _v.Payouts.Sandbox.PayoutCountsAsync());
            Assert.Empty(await AuditRows.ForAsync(Conn, AuditActions.PayoutDetokenize));
        }
        finally
        {
            await RepairAuditAsync();
        }
    }
}
