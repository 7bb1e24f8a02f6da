using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>
/// Two vault replicas (A and B) on one database, each with its own webhook listener. Fan-out goes through the
/// database, so a subscriber on A sees what B stored, in order and complete, and the other way round.
/// </summary>
public sealed class StreamTwoReplicaTests : IAsyncLifetime
{
    private PayoutEnvironment _env = null!; // sandbox + replica A
    private VaultServer _b = null!;
    private WebhookPoster _toA = null!;
    private WebhookPoster _toB = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _env = await WebhookTestKit.StartQuietAsync();
        var portB = PayoutEnvironment.FreePort();
        var settings = PayoutEnvironment.VaultSettings(_env.Keys, _env.Sandbox.Address, portB);
        foreach (var (k, v) in WebhookTestKit.QuietSettings()) settings[k] = v;
        _b = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = _env.Vault.Database,
            MasterKeyFile = _env.Vault.MasterKeyFile,
            Settings = settings,
        });
        _toA = new WebhookPoster(_env);
        _toB = new WebhookPoster(_env.Keys, new Uri($"http://127.0.0.1:{portB}/webhooks/bank131"));
        _token = await _env.TokenizeAsync();
    }

    public async Task DisposeAsync()
    {
        _toA?.Dispose();
        _toB?.Dispose();
        if (_b is not null) await _b.DisposeAsync();
        if (_env is not null) await _env.DisposeAsync();
    }

    private PayoutService.PayoutServiceClient A => _env.Payouts;
    private PayoutService.PayoutServiceClient B => _b.Client<PayoutService.PayoutServiceClient>();
    private string ConnectionString => _env.Vault.ConnectionString;

    [Fact]
    public async Task SubscriberOnA_ReceivesEverythingStoredThroughB_InOrder_NoneMissing()
    {
        await using var onA = StreamRecorder.Watch(A, 0, name: "subscriber on A");
        await using var onB = StreamRecorder.Watch(B, 0, name: "subscriber on B");

        // Phase 1: only B writes: payouts created on B and webhooks posted to B's listener, from several tasks.
        var fromB = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => WebhookTestKit.CreatePayoutAsync(B, _token)));
        await using var watchOnA = StreamRecorder.WatchOne(A, fromB[0].PayoutId);
        await Task.WhenAll(fromB.Select(async (p, i) =>
        {
            await _toB.PostOkAsync(WebhookTestKit.Finished(p, "in_progress"));
            await _toB.PostOkAsync(WebhookTestKit.Finished(p, i % 2 == 0 ? "succeeded" : "failed"));
        }));
        var phase1 = await WebhookTestKit.SeqsAsync(ConnectionString);
        Assert.Equal(fromB.Length * 5, phase1.Count);
        await onA.WaitForCursorAsync(phase1[^1]);
        StreamTestKit.AssertSameCursors(phase1, onA.Cursors, onA.Name);
        StreamTestKit.AssertMatchesLog(onA.Events, await StreamTestKit.EventRowsAsync(ConnectionString));

        // WatchPayout on A ends with the terminal state B stored.
        await watchOnA.WaitForCompletionAsync();
        Assert.Equal(PayoutState.Succeeded, watchOnA.Events[^1].State);
        StreamTestKit.AssertSameCursors(
            await WebhookTestKit.SeqsAsync(ConnectionString, "payout_id = @p", ("p", fromB[0].PayoutId)),
            watchOnA.Cursors, watchOnA.Name);

        // Phase 2: both replicas write at once; each replica's subscribers see the same complete sequence.
        var mixed = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            var (client, poster) = i % 2 == 0 ? (A, _toB) : (B, _toA); // created on one, settled through the other
            var p = await WebhookTestKit.CreatePayoutAsync(client, _token);
            for (var k = 0; k < 5; k++) await poster.PostOkAsync(WebhookTestKit.Finished(p, "in_progress"));
            await poster.PostOkAsync(WebhookTestKit.Finished(p, "succeeded"));
            return p;
        }));
        var all = await WebhookTestKit.SeqsAsync(ConnectionString);
        Assert.Equal(phase1.Count + mixed.Length * 9, all.Count);
        foreach (var s in new[] { onA, onB })
        {
            await s.WaitForCursorAsync(all[^1]);
            StreamTestKit.AssertSameCursors(all, s.Cursors, s.Name);
        }

        // A late subscriber on A replays all of it from the database.
        await using var late = StreamRecorder.Watch(A, 0, name: "late subscriber on A");
        await late.WaitForCursorAsync(all[^1]);
        StreamTestKit.AssertSameCursors(all, late.Cursors, late.Name);
    }

    [Fact]
    public async Task WhenAReplicaStops_TheSubscriberResumesOnTheOther_AndLaterBackOnTheRestartedOne()
    {
        var first = StreamRecorder.Watch(A, 0, name: "on A before it stops");
        var p1 = await WebhookTestKit.CreatePayoutAsync(A, _token);
        await _toA.PostOkAsync(WebhookTestKit.Finished(p1, "in_progress"));
        var seqs = await WebhookTestKit.SeqsAsync(ConnectionString);
        await first.WaitForCursorAsync(seqs[^1]);

        // A shuts down: its streams end; meanwhile B keeps storing events.
        await _env.Vault.StopAsync();
        try { await first.WaitForCompletionAsync(); }
        catch (Grpc.Core.RpcException) { /* the client's channel closed with the server: also an end of stream */ }
        var received = first.Cursors;
        await first.DisposeAsync();
        var p2 = await WebhookTestKit.CreatePayoutAsync(B, _token);
        await _toB.PostOkAsync(WebhookTestKit.Finished(p1, "succeeded"));

        // The client reconnects to B from its last cursor.
        var second = StreamRecorder.Watch(B, received[^1], name: "resumed on B");
        await _toB.PostOkAsync(WebhookTestKit.Finished(p2, "in_progress"));
        seqs = await WebhookTestKit.SeqsAsync(ConnectionString);
        await second.WaitForCursorAsync(seqs[^1]);
        await second.CancelAsync();
        received.AddRange(second.Cursors);
        await second.DisposeAsync();

        // More events while A is down, then A comes back (its live window starts empty) and the client returns to it.
        await _toB.PostOkAsync(WebhookTestKit.Finished(p2, "failed", errorCode: "card_expired"));
        await _env.Vault.RestartAsync();
        await using var third = StreamRecorder.Watch(_env.Payouts, received[^1], name: "resumed on restarted A");
        var p3 = await WebhookTestKit.CreatePayoutAsync(_env.Payouts, _token);
        await _toB.PostOkAsync(WebhookTestKit.Finished(p3, "succeeded"));

        seqs = await WebhookTestKit.SeqsAsync(ConnectionString);
        await third.WaitForCursorAsync(seqs[^1]);
        received.AddRange(third.Cursors);
        StreamTestKit.AssertSameCursors(seqs, received, "A, then B, then A again");
    }
}
