using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>
/// WatchPayouts replays stored events after a cursor and then continues live, with strictly increasing cursors and
/// no gap or repeat at the switch, and a cancelled subscriber resumes exactly where it stopped. The live window here
/// holds only 8 events and catch-up pages hold 5, so replays exercise the database path and its paging.
/// </summary>
public sealed class WatchPayoutsReplayTests(StreamSmallWindowFixture fx) : IClassFixture<StreamSmallWindowFixture>
{
    private PayoutService.PayoutServiceClient Client => fx.Env.Payouts;

    /// <summary>Payouts plus webhooks: 3 events per payout, then in_progress, succeeded/failed and a late one.</summary>
    private async Task<List<Payout>> ProduceAsync(int payouts)
    {
        var created = new List<Payout>();
        for (var i = 0; i < payouts; i++)
        {
            var p = await fx.CreatePayoutAsync();
            created.Add(p);
            await fx.Poster.PostOkAsync(WebhookTestKit.Finished(p, "in_progress"));
            await fx.Poster.PostOkAsync(i % 3 == 2
                ? WebhookTestKit.Finished(p, "failed", errorCode: "card_expired")
                : WebhookTestKit.Finished(p, "succeeded"));
            await fx.Poster.PostOkAsync(WebhookTestKit.Finished(p, "in_progress"));
        }
        return created;
    }

    /// <summary>One more event (a late webhook on a new payout's session), returning its cursor.</summary>
    private async Task<long> SentinelAsync(Payout? on = null)
    {
        on ??= await fx.CreatePayoutAsync();
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(on, "in_progress"));
        return (await WebhookTestKit.SeqsAsync(fx.ConnectionString))[^1];
    }

    [Fact]
    public async Task FromZero_ReplaysEveryStoredEvent_InCursorOrder_ThenContinuesLive()
    {
        await ProduceAsync(4);
        var log = await StreamTestKit.EventRowsAsync(fx.ConnectionString);
        Assert.True(log.Count >= 24);

        await using var subscriber = StreamRecorder.Watch(Client, fromCursor: 0);
        await subscriber.WaitForCursorAsync(log[^1].Seq);
        StreamTestKit.AssertSameCursors(log.Select(r => r.Seq).ToList(), subscriber.Cursors, subscriber.Name);
        StreamTestKit.AssertMatchesLog(subscriber.Events, log);

        // Live after the replay: new events arrive in order, with nothing lost or repeated at the switch.
        await ProduceAsync(2);
        var all = await StreamTestKit.EventRowsAsync(fx.ConnectionString);
        await subscriber.WaitForCursorAsync(all[^1].Seq);
        StreamTestKit.AssertSameCursors(all.Select(r => r.Seq).ToList(), subscriber.Cursors, subscriber.Name);
        StreamTestKit.AssertMatchesLog(subscriber.Events, all);
    }

    [Fact]
    public async Task CancelledMidStream_ResumesFromItsLastCursor_AndGetsEveryLaterEventExactlyOnce()
    {
        await ProduceAsync(3);
        var first = StreamRecorder.Watch(Client, fromCursor: 0, name: "first connection");
        await first.WaitForCountAsync(7);
        await first.CancelAsync();
        var before = first.Cursors;
        await first.DisposeAsync();
        Assert.True(before.Count >= 7);

        // Events keep coming while the subscriber is away.
        await ProduceAsync(2);

        await using var second = StreamRecorder.Watch(Client, fromCursor: before[^1], name: "resumed connection");
        var stored = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
        await second.WaitForCursorAsync(stored[^1]);
        // ... and after it is back (live again).
        await ProduceAsync(1);
        var last = await SentinelAsync();

        await second.WaitForCursorAsync(last);
        var all = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
        StreamTestKit.AssertSameCursors(all, before.Concat(second.Cursors).ToList(), "first + resumed");
    }

    [Fact]
    public async Task FromAnyCursor_ReceivesExactlyTheLaterEvents()
    {
        await ProduceAsync(2);
        var seqs = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
        var starts = new[] { 0, seqs[0], seqs[seqs.Count / 2], seqs[^2], seqs[^1] }.Distinct().ToList();
        var subscribers = starts.Select(c => StreamRecorder.Watch(Client, c)).ToList();
        try
        {
            var sentinel = await SentinelAsync();
            var all = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
            foreach (var (start, s) in starts.Zip(subscribers))
            {
                await s.WaitForCursorAsync(sentinel);
                StreamTestKit.AssertSameCursors(all.Where(q => q > start).ToList(), s.Cursors, s.Name);
            }
        }
        finally
        {
            foreach (var s in subscribers) await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task FilterByPayoutIds_DeliversOnlyThosePayouts_ReplayAndLive()
    {
        var produced = await ProduceAsync(3);
        var (a, b, c) = (produced[0], produced[1], produced[2]);
        var ids = new[] { a.PayoutId, b.PayoutId };
        await using var subscriber = StreamRecorder.Watch(Client, 0, StreamTestKit.Filter(ids));
        var replayed = await WebhookTestKit.SeqsAsync(fx.ConnectionString, "payout_id = ANY(@ids)", ("ids", ids));
        await subscriber.WaitForCursorAsync(replayed[^1]);

        // Live: news for c (filtered out) interleaved with news for b and a.
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(c, "in_progress"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(b, "in_progress"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(c, "in_progress"));
        var sentinel = await SentinelAsync(a);

        await subscriber.WaitForCursorAsync(sentinel);
        var expected = await WebhookTestKit.SeqsAsync(fx.ConnectionString, "payout_id = ANY(@ids)", ("ids", ids));
        StreamTestKit.AssertSameCursors(expected, subscriber.Cursors, subscriber.Name);
        Assert.All(subscriber.Events, e => Assert.Contains(e.PayoutId, ids));
    }

    [Fact]
    public async Task FilterByStates_DeliversOnlyEventsInThoseStates_ReplayAndLive()
    {
        await ProduceAsync(3);
        var states = new[] { PayoutState.Succeeded, PayoutState.Failed };
        await using var terminal = StreamRecorder.Watch(Client, 0, StreamTestKit.Filter(states: states), name: "terminal states");
        await using var combined = StreamRecorder.Watch(Client, 0,
            StreamTestKit.Filter(states: [PayoutState.InProgress]), name: "in progress");

        var live = await fx.CreatePayoutAsync();
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(live, "in_progress"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(live, "failed", errorCode: "limit_exceeded"));
        var sentinelInProgress = await SentinelAsync();
        var sentinelTerminal = await SentinelAsync(live); // late in_progress on a failed payout: state stays failed

        await terminal.WaitForCursorAsync(sentinelTerminal);
        await combined.WaitForCursorAsync(sentinelInProgress);
        var terminalSeqs = await WebhookTestKit.SeqsAsync(fx.ConnectionString, "state IN ('succeeded', 'failed')");
        var inProgressSeqs = await WebhookTestKit.SeqsAsync(fx.ConnectionString, "state = 'in_progress'");
        StreamTestKit.AssertSameCursors(terminalSeqs, terminal.Cursors, terminal.Name);
        StreamTestKit.AssertSameCursors(inProgressSeqs, combined.Cursors, combined.Name);
        Assert.All(terminal.Events, e => Assert.Contains(e.State, states));
        Assert.Contains(terminal.Events, e => e.PayoutId == live.PayoutId && e.ErrorCode == "limit_exceeded");
    }

    [Fact]
    public async Task FilterByPayoutIdAndState_BothMustMatch()
    {
        var produced = await ProduceAsync(2);
        var target = produced[0]; // succeeded, then a late in_progress recorded as succeeded
        await using var subscriber = StreamRecorder.Watch(Client, 0,
            StreamTestKit.Filter([target.PayoutId], [PayoutState.Succeeded]));
        var sentinel = await SentinelAsync(target);

        await subscriber.WaitForCursorAsync(sentinel);
        var expected = await WebhookTestKit.SeqsAsync(fx.ConnectionString, "payout_id = @p AND state = 'succeeded'",
            ("p", target.PayoutId));
        Assert.Equal(3, expected.Count);
        StreamTestKit.AssertSameCursors(expected, subscriber.Cursors, subscriber.Name);
    }
}
