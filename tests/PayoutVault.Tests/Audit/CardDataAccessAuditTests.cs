using System.Net;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// Every access to card data and every security event leaves one complete record before the call returns
/// (invariant 7, PCI DSS 10.2.1, 10.2.2): who (the certificate identity), what, which object (token or payout id,
/// never card data), outcome, when and under which request id; and no record holds any run of a card number.
/// </summary>
public sealed class CardDataAccessAuditTests : IAsyncLifetime
{
    private CertVault _v = null!;
    private DateTime _started;

    public async Task InitializeAsync()
    {
        _started = DateTime.UtcNow.AddSeconds(-1);
        _v = await CertVault.StartAsync(payouts: true);
    }

    public async Task DisposeAsync() => await _v.DisposeAsync();

    private string Conn => _v.ConnectionString;

    [Fact]
    public async Task TokenLifecycleAndPayout_EachAccessIsAudited_WithCallerObjectAndOutcome()
    {
        var tokenized = await _v.Tokens("card-collector").TokenizeAsync(TestCards.Visa);
        var token = tokenized.Card.Token;
        await AssertOneAsync(AuditActions.Tokenize, "card-collector", token, "created");
        var again = await _v.Tokens("card-collector").TokenizeAsync(TestCards.Visa);
        Assert.Equal(token, again.Card.Token);
        Assert.Equal(2, (await AuditRows.ForAsync(Conn, AuditActions.Tokenize, "card-collector", token)).Count);

        await _v.Tokens("payout-service").GetTokenAsync(new GetTokenRequest { Token = token });
        await AssertOneAsync(AuditActions.TokenRead, "payout-service", token, "ok");

        var payouts = _v.PayoutClient("payout-service");
        var payout = await payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));
        var create = await AssertOneAsync(AuditActions.PayoutCreate, "payout-service", payout.PayoutId, "created");
        var detokenize = await AssertOneAsync(AuditActions.PayoutDetokenize, "payout-service", payout.PayoutId, "sending");
        Assert.True(create.Seq < detokenize.Seq, "detokenization must be recorded after the payout row and before the send");
        Assert.Contains(token, create.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await _v.Payouts.Sandbox.PayoutCountAsync(payout.PayoutId));

        await payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payout.PayoutId });
        await AssertOneAsync(AuditActions.PayoutRead, "payout-service", payout.PayoutId, "ok");

        using (var watch = payouts.WatchPayout(new WatchPayoutRequest { PayoutId = payout.PayoutId },
                   deadline: DateTime.UtcNow.AddSeconds(20)))
            while (await watch.ResponseStream.MoveNext(CancellationToken.None)) { }
        await AssertOneAsync(AuditActions.PayoutWatch, "payout-service", payout.PayoutId, "ok");

        var other = (await _v.Tokens("card-collector").TokenizeAsync(TestCards.Mir)).Card.Token;
        await _v.Tokens("card-collector").DeleteTokenAsync(new DeleteTokenRequest { Token = other });
        await AssertOneAsync(AuditActions.TokenDelete, "card-collector", other, "crypto_shredded");

        // A failed access (a deleted token) is a record too.
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => _v.Tokens("payout-service").GetTokenAsync(new GetTokenRequest { Token = other }).ResponseAsync);
        Assert.Contains(await AuditRows.ForAsync(Conn, AuditActions.RequestFailed, "payout-service", "/payoutvault.v1.TokenService/GetToken"),
            r => r.Outcome == nameof(StatusCode.NotFound));

        await AssertNoCardDataAsync();
    }

    [Fact]
    public async Task ForgedWebhook_Is401_AndAuditedAsASecurityEvent()
    {
        var before = await AuditRows.ForAsync(Conn, AuditActions.WebhookSignatureInvalid);
        var body = """{"type":"payment_finished","session":{"id":"ps_forged"}}"""u8.ToArray();

        using var response = await _v.Payouts.PostWebhookAsync(body, signature: Convert.ToBase64String(new byte[256]));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var rows = await AuditRows.ForAsync(Conn, AuditActions.WebhookSignatureInvalid);
        var row = Assert.Single(rows.Skip(before.Count));
        Assert.Equal(("bank131", "rejected"), (row.Caller, row.Outcome));
        Assert.False(string.IsNullOrEmpty(row.RequestId));
        await AssertNoCardDataAsync();
    }

    [Fact]
    public async Task VaultStart_IsAudited()
    {
        var row = Assert.Single(await AuditRows.ForAsync(Conn, AuditActions.VaultStarted));
        Assert.Equal(("vault", "ok"), (row.Caller, row.Outcome));
        Assert.Equal(1, row.Seq);
    }

    /// <summary>Exactly one record of the action for the caller and object, complete: outcome, time, request id.</summary>
    private async Task<AuditRow> AssertOneAsync(string action, string caller, string objectId, string outcome)
    {
        var rows = await AuditRows.ForAsync(Conn, action, objectId: objectId);
        var row = Assert.Single(rows);
        Assert.Equal((caller, outcome), (row.Caller, row.Outcome));
        Assert.False(string.IsNullOrEmpty(row.RequestId), $"{action} has no request id");
        Assert.InRange(row.OccurredAt.ToUniversalTime(), _started, DateTime.UtcNow.AddSeconds(1));
        return row;
    }

    /// <summary>No audit record, in any column, holds a card number or any 10-digit window of one.</summary>
    private async Task AssertNoCardDataAsync()
    {
        var text = await AuditRows.TextAsync(Conn);
        Assert.NotEmpty(text);
        foreach (var pan in TestCards.All)
            Assert.False(CardDataScanner.ContainsPanDigits(text, pan), $"the audit trail holds digits of {pan[..6]}...");
        Assert.Empty(CardDataScanner.FindLuhnRuns(text));
    }
}
