using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>Many subscribers on one replica: each gets every event, in order, independently of the others.</summary>
public sealed class StreamFanOutTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private const int Subscribers = 200;

    [Fact]
    public async Task TwoHundredConcurrentSubscribers_EachReceiveEveryEvent_InOrder()
    {
        var client = fx.Env.Payouts;
        var subscribers = Enumerable.Range(0, Subscribers)
            .Select(i => StreamRecorder.Watch(client, 0, name: $"subscriber {i}")).ToList();
        try
        {
            // First payout while they connect; every subscriber has it before the rest is produced.
            var first = await fx.CreatePayoutAsync();
            foreach (var s in subscribers) await s.WaitForCountAsync(3, TimeSpan.FromSeconds(90));

            // The rest: payouts and signed webhooks from several tasks at once.
            var payouts = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => fx.CreatePayoutAsync()));
            await Task.WhenAll(payouts.Append(first).Select(async (p, i) =>
            {
                await fx.Poster.PostOkAsync(WebhookTestKit.Finished(p, "in_progress"));
                await fx.Poster.PostOkAsync(i % 2 == 0
                    ? WebhookTestKit.Finished(p, "succeeded")
                    : WebhookTestKit.Finished(p, "failed", errorCode: "card_expired"));
            }));

            var expected = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
            Assert.True(expected.Count >= 20, $"only {expected.Count} events");
            foreach (var s in subscribers)
            {
                await s.WaitForCursorAsync(expected[^1], TimeSpan.FromSeconds(90));
                StreamTestKit.AssertSameCursors(expected, s.Cursors, s.Name);
            }
            var log = await StreamTestKit.EventRowsAsync(fx.ConnectionString);
            StreamTestKit.AssertMatchesLog(subscribers[0].Events, log);
            StreamTestKit.AssertMatchesLog(subscribers[^1].Events, log);
        }
        finally
        {
            await Task.WhenAll(subscribers.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}
