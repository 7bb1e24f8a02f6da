using Microsoft.Extensions.Logging;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// The bank's session id is the bank's to give, and nothing in its contract makes it unique across payouts. When it
/// answers a second payout with a session id another payout holds, the vault records the answer (the payout is
/// IN_PROGRESS, never INTERNAL or UNKNOWN), says so in its log, and matches webhooks by the vault payout id the bank
/// echoes in metadata first; a webhook naming no payout of ours for a shared session id is applied to none.
/// </summary>
public sealed class PayoutRepeatedSessionTests : IAsyncLifetime
{
    private const string SharedSession = "ps_4100777";

    private PayoutCaptureBank _bank = null!;
    private PayoutEnvironment _env = null!;
    private WebhookPoster _poster = null!;

    public async Task InitializeAsync()
    {
        _bank = await PayoutCaptureBank.StartAsync();
        _bank.FixedSessionId = SharedSession;
        _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Sandbox = o => o.WebhookUrl = "",
            Settings = WebhookTestKit.QuietSettings(new Dictionary<string, string>
            {
                ["Vault:Bank131:BaseUrl"] = _bank.Address.ToString().TrimEnd('/'),
            }),
        });
        _poster = new WebhookPoster(_env);
    }

    public async Task DisposeAsync()
    {
        _poster.Dispose();
        await _env.DisposeAsync();
        await _bank.DisposeAsync();
    }

    [Fact]
    public async Task SecondPayoutWithTheSameSession_IsRecorded_AndWebhooksFollowTheEchoedPayoutId()
    {
        var token = await _env.TokenizeAsync();
        var first = await _env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));
        var second = await _env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));

        // Both answers are recorded as the bank gave them; neither call failed.
        Assert.Equal(PayoutState.InProgress, first.State);
        Assert.Equal(PayoutState.InProgress, second.State);
        Assert.Equal(SharedSession, first.BankSessionId);
        Assert.Equal(SharedSession, second.BankSessionId);
        Assert.Contains(_env.Vault.Logs.Entries, e => e.EventId.Id == 1210 && e.Level == LogLevel.Warning
            && e.Message.Contains(second.PayoutId, StringComparison.Ordinal));

        // The bank's webhook names the second payout in its metadata: it settles that one, not the older holder.
        await _poster.PostOkAsync(WebhookTestKit.Finished(second, "succeeded"));
        Assert.Equal(PayoutState.Succeeded, (await Get(second)).State);
        Assert.Equal(PayoutState.InProgress, (await Get(first)).State);

        // A webhook for the shared session that names no payout of ours is stored and applied to none.
        var before = await WebhookTestKit.SnapshotAsync(_env.Vault.ConnectionString);
        await _poster.PostOkAsync(WebhookTestKit.Finished(first, "failed", errorCode: "card_expired",
            metadataJson: """{"reference":{"note":"no payout id"}}"""));
        Assert.Equal(PayoutState.InProgress, (await Get(first)).State);
        Assert.Equal(PayoutState.Succeeded, (await Get(second)).State);
        var after = await WebhookTestKit.SnapshotAsync(_env.Vault.ConnectionString);
        Assert.Equal(before.Deliveries + 1, after.Deliveries);
        Assert.Equal(before.Events, after.Events);
        Assert.Equal("unknown_payout", await Db.ScalarAsync<string>(_env.Vault.ConnectionString,
            "SELECT outcome FROM webhook_deliveries ORDER BY id DESC LIMIT 1"));
        Assert.Contains(_env.Vault.Logs.Entries, e => e.EventId.Id == 1310);

        // And the first payout still settles by its own echoed id.
        await _poster.PostOkAsync(WebhookTestKit.Finished(first, "failed", errorCode: "card_expired"));
        Assert.Equal(PayoutState.Failed, (await Get(first)).State);
    }

    private async Task<Payout> Get(Payout p) =>
        await _env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = p.PayoutId });
}
