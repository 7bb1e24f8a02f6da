using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>Invariant 4 against concurrent duplicates and key reuse: at most one bank payout per idempotency key.</summary>
public sealed class PayoutIdempotencyTests(PayoutEnvironmentFixture fixture) : IClassFixture<PayoutEnvironmentFixture>
{
    private PayoutEnvironment Env => fixture.Env;

    private Task<long> RowsForKeyAsync(string key) =>
        Db.CountAsync(Env.Vault.ConnectionString, "payouts", "idempotency_key = @k", ("k", key));

    [Fact]
    public async Task FiftyConcurrentCreatePayouts_WithOneKey_ReturnOnePayout_OneRow_AndOneBankPayout()
    {
        var token = await Env.TokenizeAsync();
        var request = PayoutEnvironment.Request(token, key: PayoutEnvironment.NewKey("concurrent-"));
        var client = Env.Payouts;

        var results = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(_ => Task.Run(async () => await client.CreatePayoutAsync(request.Clone()))));

        var payoutId = Assert.Single(results.Select(p => p.PayoutId).Distinct());
        Assert.All(results, p => Assert.Equal(request.IdempotencyKey, p.IdempotencyKey));
        Assert.Equal(1, await RowsForKeyAsync(request.IdempotencyKey));

        var done = await Env.WaitForAsync(payoutId, p => p.State == PayoutState.Succeeded);
        Assert.Equal(PayoutState.Succeeded, done.State);
        Assert.Equal(1, await Env.Sandbox.PayoutCountAsync(payoutId));
        Assert.Single(await Env.Sandbox.InitPayoutRequestsAsync(payoutId));
    }

    [Fact]
    public async Task SameKeyAndSameRequest_AfterTheOutcome_ReturnsTheExistingPayout_AndSendsNothing()
    {
        var token = await Env.TokenizeAsync();
        var request = PayoutEnvironment.Request(token);
        var first = await Env.Payouts.CreatePayoutAsync(request);
        await Env.WaitForAsync(first.PayoutId, p => p.State == PayoutState.Succeeded);
        var received = (await Env.Sandbox.InitPayoutRequestsAsync()).Count;

        var retry = request.Clone();
        retry.Currency = "RUB"; // currency is case-insensitive: still the same request
        var again = await Env.Payouts.CreatePayoutAsync(retry);

        Assert.Equal(first.PayoutId, again.PayoutId);
        Assert.Equal(PayoutState.Succeeded, again.State);
        Assert.Equal(received, (await Env.Sandbox.InitPayoutRequestsAsync()).Count);
        Assert.Equal(1, await Env.Sandbox.PayoutCountAsync(first.PayoutId));
    }

    public static TheoryData<string> DifferentRequests => ["amount", "recipient", "metadata", "currency", "card_token"];

    [Theory]
    [MemberData(nameof(DifferentRequests))]
    public async Task SameKey_DifferentRequest_IsAlreadyExists_AndNothingIsSent(string changed)
    {
        var token = await Env.TokenizeAsync();
        var request = PayoutEnvironment.Request(token);
        var first = await Env.Payouts.CreatePayoutAsync(request);
        await Env.WaitForAsync(first.PayoutId, p => p.State == PayoutState.Succeeded);
        var received = (await Env.Sandbox.InitPayoutRequestsAsync()).Count;

        var other = request.Clone();
        switch (changed)
        {
            case "amount": other.AmountMinor = request.AmountMinor + 1; break;
            case "recipient": other.Recipient = new Recipient { FullName = "Petrov Petr" }; break;
            case "metadata": other.Metadata["order"] = "B-2"; break;
            case "currency": other.Currency = "usd"; break;
            case "card_token": other.CardToken = await Env.TokenizeAsync(TestCards.Visa2); break;
        }
        var ex = await RpcErrors.ExpectAsync(StatusCode.AlreadyExists, () => Env.Payouts.CreatePayoutAsync(other).ResponseAsync);

        // The existing payout is named; the key is not quoted (caller free text, and the message reaches logs).
        Assert.Contains(first.PayoutId, ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(request.IdempotencyKey, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await RowsForKeyAsync(request.IdempotencyKey));
        Assert.Equal(received, (await Env.Sandbox.InitPayoutRequestsAsync()).Count);
        var stored = await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = first.PayoutId });
        Assert.Equal(request.AmountMinor, stored.AmountMinor);
        Assert.Equal(PayoutState.Succeeded, stored.State);
    }

    [Fact]
    public async Task SameKey_DifferentAmountAndRecipient_WhileTheFirstIsInFlight_IsAlreadyExists()
    {
        var token = await Env.TokenizeAsync();
        var request = PayoutEnvironment.Request(token, scenario: "fail:declined_by_issuer_bank");
        var first = await Env.Payouts.CreatePayoutAsync(request);
        var other = request.Clone();
        other.AmountMinor = 99;
        other.Recipient = new Recipient { FirstName = "Petr", LastName = "Petrov" };

        await RpcErrors.ExpectAsync(StatusCode.AlreadyExists, () => Env.Payouts.CreatePayoutAsync(other).ResponseAsync);

        var done = await Env.WaitForAsync(first.PayoutId, p => p.State == PayoutState.Failed);
        Assert.Equal(PayoutState.Failed, done.State);
        Assert.Equal(1, await RowsForKeyAsync(request.IdempotencyKey));
        Assert.Single(await Env.Sandbox.InitPayoutRequestsAsync(first.PayoutId));
    }
}
