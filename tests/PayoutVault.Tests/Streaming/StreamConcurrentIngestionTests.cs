using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>
/// Events commit out of sequence order when many transactions append at once. Subscribers, live and replaying,
/// filtered and not, must still never skip one: at the end each has exactly the stored sequence (filtered).
/// </summary>
public sealed class StreamConcurrentIngestionTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private const int WebhookTasks = 16;
    private const int WebhooksPerTask = 30;
    private const int PayoutTasks = 4;
    private const int PayoutsPerTask = 4;

    [Fact]
    public async Task ManyWritersAtOnce_NoSubscriberEverSkipsAnEvent()
    {
        var client = fx.Env.Payouts;
        var payouts = new List<Payout>();
        for (var i = 0; i < 24; i++) payouts.Add(await fx.CreatePayoutAsync());
        var seqsBefore = await WebhookTestKit.SeqsAsync(fx.ConnectionString);

        var groupA = payouts.Take(4).Select(p => p.PayoutId).ToArray();
        var groupB = payouts.Skip(10).Take(3).Select(p => p.PayoutId).ToArray();
        var subscribers = new List<(StreamRecorder Recorder, string Where, (string, object?)[] Args)>
        {
            (StreamRecorder.Watch(client, 0, name: "all #1"), "true", []),
            (StreamRecorder.Watch(client, 0, name: "all #2"), "true", []),
            (StreamRecorder.Watch(client, seqsBefore[seqsBefore.Count / 2], name: "from the middle"),
                "seq > @from", [("from", seqsBefore[seqsBefore.Count / 2])]),
            (StreamRecorder.Watch(client, seqsBefore[^1], name: "from the end"), "seq > @from", [("from", seqsBefore[^1])]),
            (StreamRecorder.Watch(client, 0, StreamTestKit.Filter(groupA), name: "payouts A"),
                "payout_id = ANY(@ids)", [("ids", groupA)]),
            (StreamRecorder.Watch(client, 0, StreamTestKit.Filter(groupB), name: "payouts B"),
                "payout_id = ANY(@ids)", [("ids", groupB)]),
            (StreamRecorder.Watch(client, 0, StreamTestKit.Filter(states: [PayoutState.Succeeded]), name: "succeeded"),
                "state = 'succeeded'", []),
            (StreamRecorder.Watch(client, 0, StreamTestKit.Filter(groupA, [PayoutState.Failed]), name: "A failed"),
                "payout_id = ANY(@ids) AND state = 'failed'", [("ids", groupA)]),
        };
        try
        {
            var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var posted = 0;
            var webhookWriters = Enumerable.Range(0, WebhookTasks).Select(t => Task.Run(async () =>
            {
                byte[]? previous = null;
                for (var i = 0; i < WebhooksPerTask; i++)
                {
                    // Now and then the bank re-sends the previous delivery: a duplicate that must add nothing.
                    var body = previous is not null && Random.Shared.Next(8) == 0
                        ? previous
                        : WebhookTestKit.Finished(payouts[Random.Shared.Next(payouts.Count)],
                            Random.Shared.Next(4) switch { 0 => "succeeded", 1 => "failed", _ => "in_progress" },
                            errorCode: null);
                    await fx.Poster.PostOkAsync(body);
                    previous = body;
                    if (Interlocked.Increment(ref posted) == WebhookTasks * WebhooksPerTask / 2) halfway.TrySetResult();
                }
            })).ToList();
            var payoutWriters = Enumerable.Range(0, PayoutTasks).Select(_ => Task.Run(async () =>
            {
                var made = new List<Payout>();
                for (var i = 0; i < PayoutsPerTask; i++) made.Add(await fx.CreatePayoutAsync());
                return made;
            })).ToList();

            // Late joiners replay from zero while the writers are still going.
            await halfway.Task.WaitAsync(TimeSpan.FromMinutes(2));
            subscribers.Add((StreamRecorder.Watch(client, 0, name: "joined halfway"), "true", []));
            subscribers.Add((StreamRecorder.Watch(client, 0, StreamTestKit.Filter(states: [PayoutState.Succeeded]),
                name: "succeeded, joined halfway"), "state = 'succeeded'", []));

            await Task.WhenAll(webhookWriters);
            var created = (await Task.WhenAll(payoutWriters)).SelectMany(m => m).ToList();
            Assert.Equal(PayoutTasks * PayoutsPerTask, created.Count);

            var all = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
            Assert.True(all.Count > 300, $"only {all.Count} events");
            foreach (var (recorder, where, args) in subscribers)
            {
                var expected = await WebhookTestKit.SeqsAsync(fx.ConnectionString, where, args);
                if (expected.Count == 0)
                {
                    // The random statuses can leave a narrow filter (e.g. group A, failed) with no event at all.
                    Assert.Empty(recorder.Cursors);
                    continue;
                }
                await recorder.WaitForCursorAsync(expected[^1], TimeSpan.FromSeconds(90));
                StreamTestKit.AssertSameCursors(expected, recorder.Cursors, recorder.Name);
            }
            StreamTestKit.AssertMatchesLog(subscribers[0].Recorder.Events, await StreamTestKit.EventRowsAsync(fx.ConnectionString));

            // Terminal states never regressed under the race: every payout that saw succeeded/failed kept the first.
            var firstTerminal = subscribers[0].Recorder.Events
                .Where(e => e.StateChanged && e.State is PayoutState.Succeeded or PayoutState.Failed)
                .GroupBy(e => e.PayoutId).ToDictionary(g => g.Key, g => g.Single().State);
            foreach (var (id, state) in firstTerminal)
                Assert.Equal(state, (await fx.GetAsync(id)).State);
        }
        finally
        {
            foreach (var (recorder, _, _) in subscribers) await recorder.DisposeAsync();
        }
    }
}
