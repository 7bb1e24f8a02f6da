using PayoutVault.Core.Streaming;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>
/// A subscriber that stops reading and then reads slowly while thousands of events are produced falls out of the
/// replica's live window (64 events here) and must catch up from the database: still everything, in order.
/// </summary>
public sealed class StreamSlowSubscriberTests(StreamSlowSubscriberTests.Fixture fx) : IClassFixture<StreamSlowSubscriberTests.Fixture>
{
    public sealed class Fixture : WebhookEnvironmentFixture
    {
        protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
        {
            ["Vault:Streaming:LiveBufferSize"] = "64",
        };

        // Thousands of webhooks: do not wait for a WAL flush per commit (ordering and visibility are unchanged).
        protected override bool FastCommits => true;
    }

    private const int Webhooks = 5000; // plus 30 payout events: over 5000 in all
    private const int Writers = 8;

    [Fact]
    public async Task SlowSubscriber_FallsBehindTheLiveWindow_AndStillReceivesEverythingInOrder()
    {
        var client = fx.Env.Payouts;
        var payouts = new List<PayoutVault.Contracts.V1.Payout>();
        for (var i = 0; i < 10; i++) payouts.Add(await fx.CreatePayoutAsync());

        // The slow client has a connection of its own, as a separate process would.
        using var slowChannel = Grpc.Net.Client.GrpcChannel.ForAddress(fx.Env.Vault.Address);
        var slowClient = new PayoutVault.Contracts.V1.PayoutService.PayoutServiceClient(slowChannel);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowReads = 0;
        await using var slow = StreamRecorder.Watch(slowClient, 0, onEvent: async _ =>
        {
            // Stop reading after the first event until thousands were produced, then read slowly for a while.
            await gate.Task;
            if (Interlocked.Increment(ref slowReads) < 1500) await Task.Delay(1);
        }, name: "slow subscriber");
        await using var fast = StreamRecorder.Watch(client, 0, name: "fast subscriber");
        await slow.WaitForCountAsync(1);

        var posted = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < Webhooks; i += Writers)
            {
                await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payouts[i % payouts.Count], "in_progress"));
                if (Interlocked.Increment(ref posted) == Webhooks / 2) halfway.TrySetResult();
            }
        })).ToList();

        await halfway.Task.WaitAsync(TimeSpan.FromMinutes(3));
        // By now the replica's window has moved far past where the slow subscriber stopped reading.
        var feed = fx.Env.Vault.GetRequiredService<PayoutEventFeed>();
        var window = feed.Current;
        Assert.True(window.CoveredFrom > slow.LastCursor + 1000,
            $"window ({window.CoveredFrom}, {window.UpTo}] should be far beyond the slow reader at {slow.LastCursor}");
        Assert.True(window.Events.Length <= 64, $"live window holds {window.Events.Length} events");
        gate.TrySetResult();

        await Task.WhenAll(writers);
        var all = await WebhookTestKit.SeqsAsync(fx.ConnectionString);
        Assert.True(all.Count > 5000, $"only {all.Count} events");

        await fast.WaitForCursorAsync(all[^1], TimeSpan.FromMinutes(2));
        await slow.WaitForCursorAsync(all[^1], TimeSpan.FromMinutes(2));
        StreamTestKit.AssertSameCursors(all, fast.Cursors, fast.Name);
        StreamTestKit.AssertSameCursors(all, slow.Cursors, slow.Name);
        Assert.True(feed.Current.Events.Length <= 64);
    }
}
