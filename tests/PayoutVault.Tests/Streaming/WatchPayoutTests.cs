using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>WatchPayout(id): that payout's events only, ending with its terminal state.</summary>
public sealed class WatchPayoutTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private PayoutService.PayoutServiceClient Client => fx.Env.Payouts;

    private async Task<List<long>> SeqsOfAsync(string payoutId) =>
        await WebhookTestKit.SeqsAsync(fx.ConnectionString, "payout_id = @p", ("p", payoutId));

    [Fact]
    public async Task StreamsThePayoutsEvents_AndCompletesAtItsTerminalState()
    {
        var payout = await fx.CreatePayoutAsync();
        var other = await fx.CreatePayoutAsync();
        await using var watch = StreamRecorder.WatchOne(Client, payout.PayoutId);

        await watch.WaitForCountAsync(3); // created, submitted, bank_accepted (replayed)
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "in_progress"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(other, "succeeded"));
        await watch.WaitForCountAsync(4);
        Assert.False(watch.Completion.IsCompleted, "the stream must stay open while the payout is not final");

        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));
        await watch.WaitForCompletionAsync();

        var events = watch.Events;
        StreamTestKit.AssertSameCursors(await SeqsOfAsync(payout.PayoutId), watch.Cursors, watch.Name);
        Assert.All(events, e => Assert.Equal(payout.PayoutId, e.PayoutId));
        Assert.Equal(
            [PayoutState.Created, PayoutState.Submitted, PayoutState.InProgress, PayoutState.InProgress, PayoutState.Succeeded],
            events.Select(e => e.State));
        Assert.Equal((PayoutState.Succeeded, "webhook", true), (events[^1].State, events[^1].Kind, events[^1].StateChanged));
        StreamTestKit.AssertMatchesLog(events, await StreamTestKit.EventRowsAsync(fx.ConnectionString));
    }

    [Fact]
    public async Task FailedPayout_CompletesWithTheFailureAndItsErrorCode()
    {
        var payout = await fx.CreatePayoutAsync();
        await using var watch = StreamRecorder.WatchOne(Client, payout.PayoutId);
        await watch.WaitForCountAsync(3);

        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "failed", errorCode: "card_expired"));
        await watch.WaitForCompletionAsync();

        var last = watch.Events[^1];
        Assert.Equal((PayoutState.Failed, "card_expired"), (last.State, last.ErrorCode));
        Assert.Equal(4, watch.Count);
    }

    [Fact]
    public async Task AlreadyTerminalPayout_CompletesRightAfterTheReplay()
    {
        var payout = await fx.CreatePayoutAsync();
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "in_progress")); // late, recorded after the end
        var seqs = await SeqsOfAsync(payout.PayoutId);
        Assert.Equal(5, seqs.Count);

        await using var watch = StreamRecorder.WatchOne(Client, payout.PayoutId);
        await watch.WaitForCompletionAsync();

        // Everything up to and including the terminal event, then the end of the stream.
        StreamTestKit.AssertSameCursors(seqs.Take(4).ToList(), watch.Cursors, watch.Name);
        Assert.Equal(PayoutState.Succeeded, watch.Events[^1].State);
        Assert.True(watch.Events[^1].StateChanged);
    }

    [Fact]
    public async Task PayoutRejectedByTheBank_CompletesImmediately()
    {
        var payout = await fx.CreatePayoutAsync(scenario: "reject:card_blocked");
        Assert.Equal(PayoutState.Failed, payout.State);

        await using var watch = StreamRecorder.WatchOne(Client, payout.PayoutId);
        await watch.WaitForCompletionAsync();

        Assert.Equal(["created", "submitted", "bank_rejected"], watch.Events.Select(e => e.Kind));
        Assert.Equal((PayoutState.Failed, "card_blocked"), (watch.Events[^1].State, watch.Events[^1].ErrorCode));
    }

    [Fact]
    public async Task ManyWatchersOfOnePayout_AllComplete()
    {
        var payout = await fx.CreatePayoutAsync();
        var watchers = Enumerable.Range(0, 20).Select(_ => StreamRecorder.WatchOne(Client, payout.PayoutId)).ToList();
        try
        {
            foreach (var w in watchers) await w.WaitForCountAsync(3);
            await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));
            var seqs = await SeqsOfAsync(payout.PayoutId);
            foreach (var w in watchers)
            {
                await w.WaitForCompletionAsync();
                StreamTestKit.AssertSameCursors(seqs, w.Cursors, w.Name);
            }
        }
        finally
        {
            foreach (var w in watchers) await w.DisposeAsync();
        }
    }
}
