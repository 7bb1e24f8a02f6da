using System.Net;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Webhooks;

/// <summary>
/// The bank re-sends a delivery until it sees 200, so the same bytes can arrive again, or several times at once.
/// Each copy is answered 200, but only one delivery row and one webhook event exist.
/// </summary>
public sealed class WebhookDeduplicationTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private async Task AssertStoredOnceAsync(Payout payout)
    {
        Assert.Equal(1L, await Db.CountAsync(fx.ConnectionString, "webhook_deliveries", "bank_session_id = @s",
            ("s", payout.BankSessionId)));
        var events = await WebhookTestKit.EventsOfAsync(fx.ConnectionString, payout.PayoutId);
        var webhookEvents = events.Where(e => e.Kind == "webhook").ToList();
        Assert.Single(webhookEvents);
        Assert.Equal(("succeeded", true), (webhookEvents[0].State, webhookEvents[0].Changed));
        Assert.Equal(["created", "submitted", "bank_accepted", "webhook"], events.Select(e => e.Kind));
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
        Assert.Equal("applied", await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT outcome FROM webhook_deliveries WHERE bank_session_id = @s", ("s", payout.BankSessionId)));
    }

    [Fact]
    public async Task SameBytesTwice_AreBothAnswered200_AndStoredOnce()
    {
        var payout = await fx.CreatePayoutAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded");

        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));
        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));

        await AssertStoredOnceAsync(payout);
    }

    [Fact]
    public async Task SameBytesTenTimesConcurrently_AreAllAnswered200_AndStoredOnce()
    {
        var payout = await fx.CreatePayoutAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded");
        var signature = fx.Poster.Sign(body);

        using var start = new SemaphoreSlim(0);
        var posts = Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await fx.Poster.StatusAsync(body, signature);
        })).ToArray();
        start.Release(posts.Length);
        var statuses = await Task.WhenAll(posts);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        await AssertStoredOnceAsync(payout);
    }

    [Fact]
    public async Task SameNewsInDifferentBytes_IsTwoDeliveries_ButOneStateChange()
    {
        // Not a duplicate by bytes (the bank re-built the body), so both are recorded; the state moves once.
        var payout = await fx.CreatePayoutAsync();
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));

        Assert.Equal(2L, await Db.CountAsync(fx.ConnectionString, "webhook_deliveries", "bank_session_id = @s",
            ("s", payout.BankSessionId)));
        var webhookEvents = (await WebhookTestKit.EventsOfAsync(fx.ConnectionString, payout.PayoutId))
            .Where(e => e.Kind == "webhook").ToList();
        Assert.Equal([("succeeded", true), ("succeeded", false)], webhookEvents.Select(e => (e.State, e.Changed)));
    }
}
