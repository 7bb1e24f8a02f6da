using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

public sealed class PayoutHappyPathTests : IAsyncLifetime
{
    private PayoutEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task CreatePayout_Success_IsAcceptedThenSucceededByWebhook_WithOneBankPayout()
    {
        var token = await _env.TokenizeAsync();
        var payout = await _env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));

        Assert.Equal(PayoutState.InProgress, payout.State);
        Assert.StartsWith("ps_", payout.BankSessionId, StringComparison.Ordinal);
        Assert.Equal("424242", payout.Card.Bin);
        Assert.Equal("4242", payout.Card.Last4);

        var done = await _env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded);
        Assert.Equal(PayoutState.Succeeded, done.State);
        Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(payout.PayoutId));
    }
}
