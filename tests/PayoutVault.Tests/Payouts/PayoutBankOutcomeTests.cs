using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// What the bank answers and how the payout ends: synchronous rejections, failures by webhook, and the unknown
/// outcomes (lost response, HTTP 5xx, answer after the client timeout) that must be reconciled, never re-paid.
/// </summary>
public sealed class PayoutBankOutcomeTests(PayoutEnvironmentFixture fixture) : IClassFixture<PayoutEnvironmentFixture>
{
    private PayoutEnvironment Env => fixture.Env;

    private async Task<Payout> CreateAsync(string scenario)
    {
        var token = await Env.TokenizeAsync();
        return await Env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: scenario));
    }

    [Fact]
    public async Task Reject_InsufficientFunds_IsFailedAtOnce_WithTheBankErrorCode_AndNoBankPayout()
    {
        var payout = await CreateAsync("reject:insufficient_funds");

        Assert.Equal(PayoutState.Failed, payout.State);
        Assert.Equal("insufficient_funds", payout.ErrorCode);
        Assert.Equal("", payout.BankSessionId);
        var stored = await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payout.PayoutId });
        Assert.Equal(PayoutState.Failed, stored.State);
        Assert.Equal("insufficient_funds", stored.ErrorCode);
        Assert.Equal(0, await Env.Sandbox.PayoutCountAsync(payout.PayoutId));
        Assert.Single(await Env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId));
    }

    [Fact]
    public async Task Fail_DeclinedByIssuer_IsInProgressThenFailedByWebhook_WithTheBankErrorCode()
    {
        var payout = await CreateAsync("fail:declined_by_issuer_bank");
        Assert.Equal(PayoutState.InProgress, payout.State);
        Assert.StartsWith("ps_", payout.BankSessionId, StringComparison.Ordinal);

        var done = await Env.WaitForAsync(payout.PayoutId, p => p.State.IsTerminal());

        Assert.Equal(PayoutState.Failed, done.State);
        Assert.Equal("declined_by_issuer_bank", done.ErrorCode);
        Assert.Equal(payout.BankSessionId, done.BankSessionId);
        Assert.Equal(1, await Env.Sandbox.PayoutCountAsync(payout.PayoutId));
        Assert.Equal(1, await Db.CountAsync(Env.Vault.ConnectionString, "webhook_deliveries",
            "payout_id = @p AND outcome = 'applied'", ("p", payout.PayoutId)));
    }

    /// <summary>
    /// HTTP 500 leaves the outcome unknown. The sandbox (like the bank, FACTS.md section 8) burns the key on any first
    /// request, so the reconciler's resends with the same key all answer idempotency_key_already_exists and there
    /// is no session to ask about: the payout must stay UNKNOWN (never guessed FAILED or SUCCEEDED, never paid
    /// under a new key) and the sandbox must count no payout for it.
    /// </summary>
    [Fact]
    public async Task Http500_IsUnknown_ResendsUseTheSameKey_AndNoBankPayoutIsEverCreated()
    {
        var payout = await CreateAsync("http500");
        Assert.Equal(PayoutState.Unknown, payout.State);

        // Wait (bounded) until the reconciler has resent at least twice with the same key.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        IReadOnlyList<System.Text.Json.JsonElement> sent;
        while ((sent = await Env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId)).Count < 3 && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.True(sent.Count >= 3, $"expected the reconciler to resend, saw {sent.Count} request(s)");
        Assert.Equal(500, sent[0].GetProperty("response_status").GetInt32());
        foreach (var resend in sent.Skip(1))
            Assert.Equal("idempotency_key_already_exists", resend.GetProperty("error_code").GetString());
        var stored = await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payout.PayoutId });
        Assert.Equal(PayoutState.Unknown, stored.State);
        Assert.Equal(0, await Env.Sandbox.PayoutCountAsync(payout.PayoutId));
        Assert.Equal(1, await Db.CountAsync(Env.Vault.ConnectionString, "payouts", "payout_id = @p", ("p", payout.PayoutId)));
    }

    [Theory]
    [InlineData("duplicate_webhook")]
    [InlineData("out_of_order")]
    [InlineData("v2_webhook")]
    public async Task LateDuplicateOrV2Webhooks_EndSucceeded_AndTheTerminalStateNeverRegresses(string scenario)
    {
        var payout = await CreateAsync(scenario);

        var done = await Env.WaitForAsync(payout.PayoutId, p => p.State.IsTerminal());
        Assert.Equal(PayoutState.Succeeded, done.State);
        // Let the extra delivery of the scenario land (the sandbox logs it as answered 200), then check nothing moved.
        var extraLabel = scenario switch { "duplicate_webhook" => "duplicate", "out_of_order" => "late_in_progress", _ => "final" };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await Env.Sandbox.WebhookDeliveredAsync(done.BankSessionId, extraLabel) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.True(await Env.Sandbox.WebhookDeliveredAsync(done.BankSessionId, extraLabel), $"the {extraLabel} webhook was delivered");

        var final = await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payout.PayoutId });
        Assert.Equal(PayoutState.Succeeded, final.State);
        Assert.Equal(1, await Env.Sandbox.PayoutCountAsync(payout.PayoutId));
    }
}

/// <summary>
/// Unknown outcomes whose webhook comes only after the vault's client timeout (1.5 s here), so the payout is
/// visibly UNKNOWN first and then settled by the webhook.
/// </summary>
public sealed class PayoutLateWebhookTests(PayoutLateWebhookTests.Fixture fixture) : IClassFixture<PayoutLateWebhookTests.Fixture>
{
    public sealed class Fixture : PayoutEnvironmentFixture
    {
        protected override PayoutEnvironmentOptions Options => new()
        {
            Sandbox = o => o.WebhookDelay = TimeSpan.FromSeconds(2.5),
        };
    }

    private PayoutEnvironment Env => fixture.Env;

    private async Task<Payout> CreateAsync(string scenario)
    {
        var token = await Env.TokenizeAsync();
        return await Env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: scenario));
    }

    [Fact]
    public async Task SlowAnswerPastTheClientTimeout_IsUnknown_ThenSucceeded_WithOneBankPayout()
    {
        var payout = await CreateAsync("slow");
        Assert.Equal(PayoutState.Unknown, payout.State);
        Assert.Equal("", payout.BankSessionId);

        var done = await Env.WaitForAsync(payout.PayoutId, p => p.State.IsTerminal());

        Assert.Equal(PayoutState.Succeeded, done.State);
        Assert.Equal(1, await Env.Sandbox.PayoutCountAsync(payout.PayoutId));
        foreach (var resend in (await Env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId)).Skip(1))
            Assert.Equal("idempotency_key_already_exists", resend.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task DroppedResponse_IsUnknown_ThenSucceededByTheWebhookFoundByMetadataPayoutId_WithOneBankPayout()
    {
        var payout = await CreateAsync("drop");
        Assert.Equal(PayoutState.Unknown, payout.State);
        Assert.Equal("", payout.BankSessionId); // the vault never saw the bank's session id

        var done = await Env.WaitForAsync(payout.PayoutId, p => p.State.IsTerminal());

        Assert.Equal(PayoutState.Succeeded, done.State);
        Assert.StartsWith("ps_", done.BankSessionId, StringComparison.Ordinal); // learnt from the webhook
        Assert.Equal(1, await Env.Sandbox.PayoutCountAsync(payout.PayoutId));
        // Any resend used the same key and was refused by the bank as a duplicate: never a second payout.
        foreach (var resend in (await Env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId)).Skip(1))
            Assert.Equal("idempotency_key_already_exists", resend.GetProperty("error_code").GetString());
    }
}

internal static class PayoutStateExtensions
{
    public static bool IsTerminal(this PayoutState state) => state is PayoutState.Succeeded or PayoutState.Failed;
}
